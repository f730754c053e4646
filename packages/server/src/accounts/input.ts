/** The readable message of a failed zod validation: its first issue's, which names the rule broken. */
export function firstIssueMessage(error: { issues: ReadonlyArray<{ message: string }> }): string {
  return error.issues[0]?.message ?? 'Invalid input.';
}
