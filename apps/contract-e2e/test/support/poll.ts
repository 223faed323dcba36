// `eventually` lives in @tapes/testing; this re-export stays only while support/app-process.ts
// (being edited elsewhere) still imports it from here.
export { eventually } from '@tapes/testing';
