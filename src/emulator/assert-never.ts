/** Closes an exhaustive `switch`: adding a union member without handling it becomes a compile error. */
export const assertNever = (value: never): never => {
  throw new Error(`Unhandled variant: ${JSON.stringify(value)}`);
};
