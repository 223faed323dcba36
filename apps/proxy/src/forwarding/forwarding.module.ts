import { Module } from '@nestjs/common';
import { CaptureFeatureModule } from '../capture/capture-feature.module';
import { UpstreamRouter } from '../routing/upstream-router';
import { ExchangeTracker } from './exchange-tracker';
import { ForwardingService } from './forwarding.service';
import { UpstreamClient } from './upstream-client';

@Module({
  imports: [CaptureFeatureModule],
  providers: [ForwardingService, UpstreamRouter, UpstreamClient, ExchangeTracker],
  exports: [ExchangeTracker, ForwardingService],
})
export class ForwardingModule {}
