import { WechatyBuilder } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
const mocker = new mock.Mocker();
const puppet = new PuppetMock({ mocker });
const bot = WechatyBuilder.build({ puppet });
const t0 = Date.now();
bot.on('message', async (m) => {
  const room = m.room();
  console.log('bot got', m.text(), 'self', m.self(), 'room', room?.id, 'type', m.type(), 'mentionSelf', room ? await m.mentionSelf() : null, room ? await m.mentionText() : null);
  if (!m.self()) {
    if (room) await room.say('reply room', m.talker()); else await m.talker().say('reply ' + m.text());
  }
});
await bot.start();
const user = mocker.createContact({ name: '客服小助手' });
mocker.login(user);
await bot.ready?.();
const [a, b] = mocker.createContacts(2);
const room = mocker.createRoom({ memberIdList: [user.id, a!.id, b!.id] });
console.log('room id', room.id, 'started in', Date.now() - t0);
a!.on('message', (m) => console.log('a got', m.text(), m.talker().id));
room.on('message', (m) => console.log('room got', m.text(), m.payload.mentionIdList));
a!.say('你好').to(user);
await new Promise((r) => setTimeout(r, 300));
a!.say('@客服小助手 开户', [user]).to(room);
await new Promise((r) => setTimeout(r, 300));
b!.say('no mention').to(room);
await new Promise((r) => setTimeout(r, 300));
await bot.stop();
console.log('stopped', Date.now() - t0);
