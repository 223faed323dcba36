import { Module } from '@nestjs/common';
import { ReservedPrefixController } from './reserved-prefix.controller';

@Module({ controllers: [ReservedPrefixController] })
export class InternalRoutesModule {}
