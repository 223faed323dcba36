import { Injectable, type PipeTransform } from '@nestjs/common';
import { TapesError } from '@tapes/nest-kit';
import type { z } from 'zod';

/** Validates a query object with a zod schema: a bad parameter is a 400 naming it. */
@Injectable()
export class ZodQueryPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value ?? {});
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'query'}: ${i.message}`);
    throw new TapesError('invalid_parameter', `invalid query: ${issues.join('; ')}`);
  }
}
