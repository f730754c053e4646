import type { z } from 'zod';

/**
 * How a feature declares its part of the protocol: each request type with its message schema, its
 * result schema and whether only a moderator may make it. messages.ts joins every feature's
 * declarations into the one ClientMessage union, the result table and the moderator-only list; the
 * server builds its request table from the same declarations (signaling/request-table.ts).
 */
export interface RequestSpec<
  Request extends z.ZodObject = z.ZodObject,
  Result extends z.ZodType = z.ZodType,
  ModeratorOnly extends boolean = boolean,
> {
  readonly request: Request;
  readonly result: Result;
  /** The server refuses anyone but a moderator with `forbidden` before any handler runs. */
  readonly moderatorOnly: ModeratorOnly;
}

/** A request anyone in the meeting may make. */
export function request<Request extends z.ZodObject, Result extends z.ZodType>(
  request: Request,
  result: Result,
): RequestSpec<Request, Result, false> {
  return { request, result, moderatorOnly: false };
}

/** A request only a moderator may make. */
export function moderatorRequest<Request extends z.ZodObject, Result extends z.ZodType>(
  request: Request,
  result: Result,
): RequestSpec<Request, Result, true> {
  return { request, result, moderatorOnly: true };
}

/**
 * A feature's requests, keyed by request type; a key that is not its message's `type` literal does
 * not compile.
 */
export function defineRequests<
  const T extends {
    [K in keyof T & string]: RequestSpec<z.ZodObject<{ type: z.ZodLiteral<K> } & z.core.$ZodShape>>;
  },
>(requests: T): T {
  return requests;
}
