import * as E from 'fp-ts/Either';
import { assertNever } from './assert-never';

export type JsonObject = Readonly<Record<string, unknown>>;

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Own members only, so a body can never make a lookup reach `Object.prototype`. */
export const member = (body: JsonObject, key: string): unknown =>
  Object.prototype.hasOwnProperty.call(body, key) ? body[key] : undefined;

export type JsonBodyProblem = 'not-json' | 'not-an-object';

/**
 * Parses a request body that must be a JSON object; an empty body counts as `{}` (the SDK sends none for GET). The
 * parser's own message is dropped on purpose: it quotes the input, which may contain a signal string.
 */
export const parseJsonObject = (text: string): E.Either<JsonBodyProblem, JsonObject> => {
  if (text.trim() === '') {
    return E.right({});
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return E.left('not-json');
  }
  return isJsonObject(parsed) ? E.right(parsed) : E.left('not-an-object');
};

export const describeJsonBodyProblem = (problem: JsonBodyProblem): string => {
  switch (problem) {
    case 'not-json':
      return 'The request body is not valid JSON.';
    case 'not-an-object':
      return 'The request body must be a JSON object.';
    default:
      return assertNever(problem);
  }
};
