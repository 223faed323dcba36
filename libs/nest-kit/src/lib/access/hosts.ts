import { z } from 'zod';

/**
 * Which `Host` a read may come in under (#13, DNS rebinding). A web page can make a browser send
 * requests to 127.0.0.1 under its own name (rebind `evil.example` to 127.0.0.1): the request then
 * carries `Host: evil.example`, and the browser hands the answer to that page. Answering only
 * loopback names and names the user configured closes that door; a name the attacker controls is
 * never one of them.
 */

/** `localhost`, 127.0.0.0/8 and ::1, with or without a port: names only this machine reaches. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name === '::1' || name === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(name);
}

/** An address a server binds to that only this machine can reach (what needs no read token). */
export function isLoopbackBind(host: string): boolean {
  return isLoopbackName(host);
}

/** A `Host` header split into its name (brackets kept off an IPv6 literal) and port. */
export function parseHostHeader(host: string): { name: string; port?: string } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m) return undefined;
  const name = (m[1] ?? m[2] ?? '').toLowerCase().replace(/\.$/, '');
  return m[3] === undefined ? { name } : { name, port: m[3] };
}

/**
 * True when reads may answer a request with this `Host`: a loopback name, or one of `allowed`
 * (`name` matches any port, `name:port` that port only; `*` matches every host — for a server
 * behind a gateway that already checks it). A request without a Host header is refused.
 */
export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (host === undefined) return false;
  const parsed = parseHostHeader(host);
  if (!parsed) return false;
  if (isLoopbackName(parsed.name)) return true;
  for (const entry of allowed) {
    if (entry === '*') return true;
    const want = parseHostHeader(entry);
    if (!want || want.name !== parsed.name) continue;
    if (want.port === undefined || want.port === parsed.port) return true;
  }
  return false;
}

/**
 * A comma-separated list of host names reads may also answer to (`tapes.internal`,
 * `10.0.0.5:8080`, `*`), beyond the loopback names that always work.
 */
export const allowedHosts = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const entries = (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const entry of entries) {
      if (entry !== '*' && !parseHostHeader(entry)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is not a host name, host:port or [ipv6]:port (or * for any)` });
    }
    return entries;
  });

/**
 * A secret token setting: unset (or empty) for none; otherwise at least 16 characters of visible
 * ASCII, so it fits a header and a cookie unchanged and cannot be a guessable word.
 */
export const secretToken = z
  .string()
  .optional()
  .transform((v) => (v ? v : undefined))
  .refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters (e.g. the output of `openssl rand -hex 32`)')
  .refine((v) => v === undefined || /^[\x21-\x7e]+$/.test(v), 'must be visible ASCII characters only (no spaces)');
