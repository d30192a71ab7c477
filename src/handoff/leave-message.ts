// Whether a waiting customer takes the offer to leave a message instead of waiting on.
import { saysOnly } from '../dialog/answers.ts';

const LEAVE_MESSAGE = /留言|留个言|回电|回个电话|打电话给我|联系我/u;
const YES_LEAVE = ['好', '好的', '可以', '行', '要', '嗯', '是', '是的', 'ok'];

/** 留言 / 好的，留言吧 / 请回电: yes. 还要等多久 / 怎么还没人: no (they keep waiting). */
export function asksToLeaveMessage(text: string): boolean {
  const t = text.trim();
  if ([...t].length > 20) return false;
  return LEAVE_MESSAGE.test(t) || saysOnly(t, YES_LEAVE);
}
