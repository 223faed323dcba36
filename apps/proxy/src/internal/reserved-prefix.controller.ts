import { All, Controller } from '@nestjs/common';
import { TapesError } from '@tapes/nest-kit';

/**
 * `/_tapes/` belongs to the proxy itself: an unknown path under it is a 404 here, never a request
 * that silently leaves for an upstream.
 */
@Controller()
export class ReservedPrefixController {
  @All('*')
  unknown(): never {
    throw new TapesError('not_found', 'no such tapes route; see /_tapes/health, /_tapes/metrics and /_tapes/v1/*');
  }
}
