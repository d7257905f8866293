import { toImapError } from './imap-error.ts';

/** imapflow's errors from a FETCH stream, translated once (a BYE mid-stream becomes `imap.token_expired`). */
export async function* imapStream<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = stream[Symbol.asyncIterator]();
  for (;;) {
    let step: IteratorResult<T>;
    try {
      step = await iterator.next();
    } catch (error) {
      throw toImapError(error);
    }
    if (step.done) return;
    yield step.value;
  }
}
