export interface ActivityDependencies {
  recomputeAccountNps: (accountIds: number[]) => Promise<{ recomputed: number }>;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    async recomputeAccountNps({ accountIds }: { accountIds: number[] }): Promise<{ recomputed: number }> {
      return deps.recomputeAccountNps(accountIds);
    },
  };
}
