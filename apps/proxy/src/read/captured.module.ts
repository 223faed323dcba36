import { Module } from '@nestjs/common';
import { CapturedController } from './captured.controller';
import { CapturedService } from './captured.service';

@Module({ controllers: [CapturedController], providers: [CapturedService] })
export class CapturedModule {}
