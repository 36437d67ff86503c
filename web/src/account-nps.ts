// GET /accounts/:id/nps and GET /accounts/nps (api/schemas/accounts.ts): an account and its figures per window.

export interface AccountRef {
  id: number;
  externalId: string;
  name: string;
  segment: string | null;
  csm: { id: number; name: string; email: string } | null;
}

export interface WindowRef {
  key: string;
  label: string;
  start: string;
  end: string;
}

export interface Figures {
  promoters: number;
  passives: number;
  detractors: number;
  total: number;
  nps: number | null;
  marginOfError: number | null;
  sources: string[];
  lastResponseAt: string | null;
  lastSyncedAt: string | null;
  computedAt: string;
}

export interface AccountNps {
  account: AccountRef;
  windows: Array<{ window: WindowRef } & Figures>;
}

/** An account's current colour in one health dimension. */
export interface HealthColour {
  dimension: 'relationship' | 'service';
  colour: 'green' | 'amber' | 'red';
}

export interface AccountNpsGrid {
  window: WindowRef;
  accounts: Array<{ account: AccountRef; health: HealthColour[] } & Figures>;
  page: { offset: number; limit: number; total: number; nextOffset: number | null };
}
