import { Controller, Get } from '@nestjs/common';
import { ingestOpenApiDocument } from './openapi';

@Controller()
export class OpenApiController {
  private readonly document = ingestOpenApiDocument();

  @Get('openapi.json')
  openapi() {
    return this.document;
  }
}
