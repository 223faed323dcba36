import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Ports for the apps under test. They are handed out below the kernel's ephemeral range
 * (`net.ipv4.ip_local_port_range`, 32768–60999 by default) because the apps are given fixed
 * ports rather than 0 — a restarted process must come back where its clients (the sidecar's
 * INGEST_URL, the agent's base URL) already point — and a port released by a probe would otherwise
 * be free for any outgoing connection on the machine to take as its local port before the app
 * binds it: under parallel test load that happens. No connection picks a port outside the range.
 */
const RANGE = { from: 20_000, to: 32_000 };

/** Ports given out by this process: never twice, even once released. */
const given = new Set<number>();

function ephemeralRange(): { from: number; to: number } {
  try {
    const [from, to] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (from && to) return { from, to };
  } catch {
    // not Linux: assume the IANA range
  }
  return { from: 49_152, to: 65_535 };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 that is free now, outside the ephemeral range, not given out before. */
export async function freePort(): Promise<number> {
  const ephemeral = ephemeralRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = RANGE.from + Math.floor(Math.random() * (RANGE.to - RANGE.from));
    if (given.has(port) || (port >= ephemeral.from && port <= ephemeral.to)) continue;
    given.add(port);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found in ${RANGE.from}–${RANGE.to}`);
}
