import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type MethodDefinition } from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROCESSING_KINDS, type ProcessingKind, type ProcessingRequest } from './processing-messages';

/** The method Envoy calls (`client_impl.cc` looks it up by this full name). */
export const EXT_PROC_METHOD_PATH = '/envoy.service.ext_proc.v3.ExternalProcessor/Process';

const PROTO_FILE = 'ext_proc.proto';

/**
 * The options verified against Envoy's real protos (docs/ext-proc.md §4.5). `defaults: true` makes
 * a proto3 `false` arrive as `false` instead of undefined.
 */
export const PROTO_LOADER_OPTIONS = { keepCase: true, oneofs: true, defaults: true, longs: String, enums: String } as const;

/**
 * Finds ext_proc.proto beside the code that loads it: from sources it sits beside this file, in a
 * bundle beside `main.js` (tools/build/build-app.mjs copies the `*.proto` of every bundled lib there).
 */
export function extProcProtoPath(baseDir: string = __dirname): string {
  const candidates = [path.join(baseDir, PROTO_FILE)];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`${PROTO_FILE} not found; looked in:\n${candidates.map((c) => `  ${c}`).join('\n')}`);
  return found;
}

/** Envoy's wire messages through proto-loader, unchanged: what a client playing Envoy uses. */
export function loadExtProcMethod(protoPath: string = extProcProtoPath()): MethodDefinition<object, object> {
  const pkg = loadSync(protoPath, PROTO_LOADER_OPTIONS);
  const service = pkg['envoy.service.ext_proc.v3.ExternalProcessor'] as unknown as Record<string, MethodDefinition<object, object>> | undefined;
  const method = service?.['Process'];
  if (!method) throw new Error(`${protoPath} does not define envoy.service.ext_proc.v3.ExternalProcessor/Process`);
  return method;
}

/**
 * The server side of the service. Replies are always one of six constant messages (an empty
 * CONTINUE of the matching case, docs/ext-proc.md §4.3), so they are encoded once here and a
 * handler writes just the case name: no per-message encoding on the hot path.
 */
export function extProcServiceDefinition(protoPath?: string): ServiceDefinition {
  const method = loadExtProcMethod(protoPath);
  const encoded = new Map<ProcessingKind, Buffer>(PROCESSING_KINDS.map((kind) => [kind, method.responseSerialize({ [kind]: {} })]));
  return {
    Process: {
      path: EXT_PROC_METHOD_PATH,
      requestStream: true,
      responseStream: true,
      originalName: 'process',
      requestDeserialize: (bytes: Buffer) => method.requestDeserialize(bytes) as ProcessingRequest,
      requestSerialize: method.requestSerialize,
      responseSerialize: (kind: ProcessingKind) => {
        const bytes = encoded.get(kind);
        if (!bytes) throw new Error(`no ext_proc reply for ${String(kind)}`); // programmer error
        return bytes;
      },
      responseDeserialize: method.responseDeserialize,
    },
  };
}
