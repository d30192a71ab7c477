// Which department of the brokerage owns a complaint, by category. Firms rename departments, so
// every entry can be overridden; the defaults follow the usual organisation of a Chinese brokerage.
import type { ComplaintCategory } from './types.ts';

export type DepartmentMap = Readonly<Record<ComplaintCategory, string>>;

export const DEFAULT_DEPARTMENTS: DepartmentMap = {
  // Staff manner and service language are the customer-service centre's own quality matter.
  服务态度: '客户服务中心',
  // Order entry, quotes, app and counter outages are run by IT.
  交易系统: '信息技术部',
  // Commission and fee settings, charging and refunds sit with operations (clearing/fee setup).
  收费: '运营管理部',
  // Suitability (适当性) and mis-selling are regulatory duties: compliance investigates.
  '产品销售/适当性': '合规管理部',
  // Disclosure obligations are checked by compliance.
  信息披露: '合规管理部',
  其他: '客户服务中心',
};

export const COMPLAINT_CATEGORIES: readonly ComplaintCategory[] = Object.keys(
  DEFAULT_DEPARTMENTS,
) as ComplaintCategory[];

export function isComplaintCategory(value: unknown): value is ComplaintCategory {
  return typeof value === 'string' && Object.hasOwn(DEFAULT_DEPARTMENTS, value);
}

/** The department for a category; `overrides` (e.g. from firm settings) win over the defaults. */
export function departmentForCategory(
  category: ComplaintCategory,
  overrides?: Partial<Record<ComplaintCategory, string>>,
): string {
  const custom = overrides?.[category]?.trim();
  return custom ? custom : DEFAULT_DEPARTMENTS[category];
}

/** A lookup bound to one firm's overrides, for callers that route many tickets. */
export function createDepartmentRouter(
  overrides?: Partial<Record<ComplaintCategory, string>>,
): (category: ComplaintCategory) => string {
  const merged: DepartmentMap = Object.fromEntries(
    COMPLAINT_CATEGORIES.map((c) => [c, departmentForCategory(c, overrides)]),
  ) as Record<ComplaintCategory, string>;
  return (category) => merged[category];
}
