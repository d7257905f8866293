import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRecipient, splitRecipientList } from '../../src/send/compose-input.ts';
import { quotedText, replyRecipients, subjectFor, textToHtml, threadingFor } from '../../src/send/reply.ts';

const ME = 'me@contoso.example';
const person = (address: string, name = '') => ({ name, address });

test('subjects: Re: once, Fwd: before Re:', () => {
  const cases: [Parameters<typeof subjectFor>[0], string, string][] = [
    ['reply', 'Invoice', 'Re: Invoice'],
    ['reply', 'Re: Invoice', 'Re: Invoice'],
    ['reply_all', 'RE:Invoice', 'RE:Invoice'],
    ['forward', 'Re: Invoice', 'Fwd: Re: Invoice'],
    ['forward', 'Fwd: Invoice', 'Fwd: Invoice'],
    ['reply', '', 'Re:'],
  ];
  for (const [mode, original, expected] of cases)
    assert.equal(subjectFor(mode, original), expected, original);
});

test('threading: In-Reply-To the parent, References its References plus it', () => {
  assert.deepEqual(threadingFor({ messageId: 'c@x', references: ['a@x', 'b@x'], inReplyTo: 'b@x' }), {
    inReplyTo: 'c@x',
    references: ['a@x', 'b@x', 'c@x'],
  });
  assert.deepEqual(threadingFor({ messageId: 'b@x', references: [], inReplyTo: 'a@x' }), {
    inReplyTo: 'b@x',
    references: ['a@x', 'b@x'],
  });
  assert.deepEqual(threadingFor({ messageId: null, references: ['a@x'], inReplyTo: null }), {
    inReplyTo: null,
    references: [],
  });
  const long = Array.from({ length: 40 }, (_, i) => `${i}@x`);
  const trimmed = threadingFor({ messageId: 'z@x', references: long, inReplyTo: null }).references;
  assert.equal(trimmed.length, 21);
  assert.deepEqual([trimmed[0], trimmed.at(-2), trimmed.at(-1)], ['0@x', '39@x', 'z@x']);
});

test('recipients: reply to the sender, reply all without the mailbox itself, replies to own mail', () => {
  const original = {
    from: person('ann@x.example', 'Ann'),
    to: [person(ME), person('bob@x.example')],
    cc: [person('cy@x.example'), person('ANN@x.example')],
  };
  assert.deepEqual(replyRecipients('reply', original, ME), { to: ['ann@x.example'], cc: [] });
  assert.deepEqual(replyRecipients('reply_all', original, ME), {
    to: ['ann@x.example', 'bob@x.example'],
    cc: ['cy@x.example'],
  });
  const mine = { from: person(ME), to: [person('bob@x.example')], cc: [] };
  assert.deepEqual(replyRecipients('reply', mine, ME), { to: ['bob@x.example'], cc: [] });
});

test('quoting: each line behind >, a forward with its header block', () => {
  const original = {
    from: person('ann@x.example', 'Ann'),
    to: [person(ME)],
    cc: [],
    subject: 'Hi',
    sentAt: '2026-11-26T10:00:00.000Z',
    receivedAt: '2026-11-26T10:00:01.000Z',
    bodyText: 'one\r\n> older\r\ntwo\r\n',
  };
  assert.equal(
    quotedText('reply', original),
    'On 2026-11-26 10:00 UTC, Ann <ann@x.example> wrote:\n> one\n>> older\n> two',
  );
  assert.match(
    quotedText('forward', original),
    /^---------- Forwarded message ----------\nFrom: Ann <ann@x\.example>\nDate: 2026-11-26 10:00 UTC\nSubject: Hi\nTo: me@contoso\.example\n\none\n> older\ntwo$/,
  );
  assert.equal(textToHtml('a <b>\nc\n\nd'), '<p>a &lt;b&gt;<br>c</p>\n<p>d</p>');
});

test('recipient fields: bare addresses, names, quotes; anything else refused', () => {
  assert.deepEqual(parseRecipient('a@b.example'), { name: '', address: 'a@b.example' });
  assert.deepEqual(parseRecipient('Ann Lee <Ann@B.example>'), { name: 'Ann Lee', address: 'ann@b.example' });
  assert.deepEqual(parseRecipient('"Lee, Ann" <a@b.example>'), { name: 'Lee, Ann', address: 'a@b.example' });
  for (const bad of [
    'a@',
    'ann',
    'a b@c.example',
    '<>',
    'Ann <a@b.example> x',
    'a@b.example\r\nBcc: x@y.example',
  ])
    assert.equal(parseRecipient(bad), null, bad);
  assert.deepEqual(splitRecipientList('a@b.example, c@d.example;\ne@f.example,,'), [
    'a@b.example',
    'c@d.example',
    'e@f.example',
  ]);
});
