/** har-schema ships JSON schemas without types: a map of schema name → JSON schema (draft-06). */
declare module 'har-schema' {
  const schemas: Record<string, object>;
  export default schemas;
}
