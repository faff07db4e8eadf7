/** One reason a request field is unacceptable, named by its proto field so callers in any language can find it. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}
