import { describe, expect, it } from 'vitest';
import {
  COMPLAINT_CATEGORIES,
  createDepartmentRouter,
  DEFAULT_DEPARTMENTS,
  departmentForCategory,
  isComplaintCategory,
} from '../../src/store/departments.ts';

describe('departmentForCategory', () => {
  it('routes every category to a brokerage department by default', () => {
    expect(departmentForCategory('服务态度')).toBe('客户服务中心');
    expect(departmentForCategory('交易系统')).toBe('信息技术部');
    expect(departmentForCategory('收费')).toBe('运营管理部');
    expect(departmentForCategory('产品销售/适当性')).toBe('合规管理部');
    expect(departmentForCategory('信息披露')).toBe('合规管理部');
    expect(departmentForCategory('其他')).toBe('客户服务中心');
    expect(COMPLAINT_CATEGORIES).toHaveLength(6);
  });

  it('lets a firm override single categories, ignoring blank overrides', () => {
    const overrides = { 收费: '经纪业务管理部', 交易系统: '  ' };
    expect(departmentForCategory('收费', overrides)).toBe('经纪业务管理部');
    expect(departmentForCategory('交易系统', overrides)).toBe('信息技术部');
    const route = createDepartmentRouter({ '产品销售/适当性': '财富管理部' });
    expect(route('产品销售/适当性')).toBe('财富管理部');
    expect(route('信息披露')).toBe(DEFAULT_DEPARTMENTS['信息披露']);
  });

  it('recognises the categories and nothing else', () => {
    expect(isComplaintCategory('收费')).toBe(true);
    expect(isComplaintCategory('toString')).toBe(false);
    expect(isComplaintCategory('投诉')).toBe(false);
    expect(isComplaintCategory(3)).toBe(false);
  });
});
