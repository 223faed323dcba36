import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CaptureFeatureModule } from '../capture/capture-feature.module';
import { CaptureHealthIndicator } from './capture-health.indicator';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), CaptureFeatureModule],
  controllers: [HealthController],
  providers: [CaptureHealthIndicator],
})
export class HealthModule {}
