/** Per-tenant budgets: configured limits, the checks and caps read from the tenant-budgets projection. Re-exports only. */
export * from './configured-limits.js';
export * from './tenant-budgets.js';
