/** Placeholder replaced below. */
export async function runGhaCli(_args: string[]): Promise<number> {
  return 0;
}
