import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { TAPES_CONFIG } from '@tapes/nest-kit';
import { Agent, type Dispatcher } from 'undici';
import type { ProxyConfig } from '../config/proxy-config';

/**
 * The undici connection pool to every upstream (undici 7: Node 20 compatible, stack-notes §4).
 *
 * Timeouts: connect and response-headers timeouts answer 504; `bodyTimeout` is undici's *idle*
 * timer (the longest gap between two body chunks), so a stream that keeps talking lives as long as
 * it talks. There is deliberately no total-exchange timeout: tapes Go's 5-minute client timeout
 * cut long streams (ref §5.1, design §7). `request()` never decompresses, so compressed bodies are
 * relayed as received.
 */
@Injectable()
export class UpstreamClient implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(@Inject(TAPES_CONFIG) config: ProxyConfig) {
    this.agent = new Agent({
      connect: { timeout: config.limits.connectTimeoutMs },
      headersTimeout: config.limits.headersTimeoutMs,
      bodyTimeout: config.limits.idleTimeoutMs,
      // An agent's idle keep-alive connections are reused across exchanges; the upstream's own
      // Keep-Alive hint wins when it is shorter.
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
    });
  }

  request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    return this.agent.request(options);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}
