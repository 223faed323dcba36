// The renderers are tested on nodes the real reducers make from the fixture catalog; the reducers
// use Node's Buffer and text codecs, which jsdom's window does not carry.
import { TextDecoder, TextEncoder } from 'node:util';

Object.assign(globalThis, { Buffer, TextDecoder, TextEncoder });
