import { Module } from '@nestjs/common';
import { CaptureFeatureModule } from '../capture/capture-feature.module';
import { UpstreamRouter } from '../routing/upstream-router';
import { ExchangeTracker } from './exchange-tracker';
import { ForwardingService } from './forwarding.service';
import { ProxyController } from './proxy.controller';
import { UpstreamClient } from './upstream-client';

@Module({
  imports: [CaptureFeatureModule],
  controllers: [ProxyController],
  providers: [ForwardingService, UpstreamRouter, UpstreamClient, ExchangeTracker],
  exports: [ExchangeTracker],
})
export class ForwardingModule {}
