import type { RedisService } from '@sb/queue';
import { EventEmitter } from 'node:events';
import { ApplicationAckRelay, MAX_AWAITED_ACKS } from './application-ack-relay';
import type { MllpPeer } from './mllp-server';

/** A socket as the relay sees it: records what is sent, closes on demand. */
class FakePeer implements MllpPeer {
  readonly secure = false;
  readonly sent: string[] = [];
  private listeners: (() => void)[] = [];
  closed = false;
  send(payload: string): void {
    this.sent.push(payload);
  }
  onClose(listener: () => void): void {
    this.listeners.push(listener);
  }
  close(): void {
    this.closed = true;
    this.listeners.splice(0).forEach((l) => l());
  }
}

/** The subscriber connection: subscribe succeeds, `publish` emits as Redis would. */
class FakeSubscriber extends EventEmitter {
  channels: string[] = [];
  status = 'ready';
  subscribe(channel: string): Promise<number> {
    this.channels.push(channel);
    return Promise.resolve(1);
  }
  publish(payload: object | string): void {
    this.emit('message', this.channels[0], typeof payload === 'string' ? payload : JSON.stringify(payload));
  }
  quit(): Promise<string> {
    return Promise.resolve('OK');
  }
  disconnect(): void {}
}

describe('ApplicationAckRelay', () => {
  let subscriber: FakeSubscriber;
  let relay: ApplicationAckRelay;

  beforeEach(async () => {
    subscriber = new FakeSubscriber();
    relay = new ApplicationAckRelay({ connect: () => subscriber, prefix: 'pfx:' } as unknown as RedisService);
    relay.onModuleInit();
    await relay.ready();
  });

  it('subscribes to the prefixed channel', () => {
    expect(subscriber.channels).toEqual(['pfx:hl7:application-ack']);
  });

  it('sends an ACK to the socket its message came from, once', () => {
    const [a, b] = [new FakePeer(), new FakePeer()];
    relay.expect('m1', 'c1', a);
    relay.expect('m2', 'c1', b);
    subscriber.publish({ messageId: 'm1', connectionId: 'c1', ack: 'ACK1' });
    subscriber.publish({ messageId: 'm1', connectionId: 'c1', ack: 'ACK1' });
    expect(a.sent).toEqual(['ACK1']);
    expect(b.sent).toEqual([]);
    expect(relay.waiting).toBe(1);
  });

  it('forgets a closed socket’s messages and drops their ACKs', () => {
    const peer = new FakePeer();
    relay.expect('m1', 'c1', peer);
    relay.expect('m2', 'c1', peer);
    peer.close();
    expect(relay.waiting).toBe(0);
    subscriber.publish({ messageId: 'm1', connectionId: 'c1', ack: 'ACK1' });
    expect(peer.sent).toEqual([]);
  });

  it('delivers an ACK published before its message was registered', () => {
    subscriber.publish({ messageId: 'early', connectionId: 'c1', ack: 'EARLY' });
    const peer = new FakePeer();
    relay.expect('early', 'c1', peer);
    expect(peer.sent).toEqual(['EARLY']);
    expect(relay.waiting).toBe(0);
  });

  it('ignores malformed notices and notices naming another connection', () => {
    const peer = new FakePeer();
    relay.expect('m1', 'c1', peer);
    subscriber.publish('{');
    subscriber.publish({ messageId: 'm1' });
    subscriber.publish({ messageId: 'm1', connectionId: 'other', ack: 'X' });
    expect(peer.sent).toEqual([]);
    subscriber.publish({ messageId: 'm1', connectionId: 'c1', ack: 'OK' });
    expect(peer.sent).toEqual(['OK']);
  });

  it(`remembers at most ${MAX_AWAITED_ACKS} messages, forgetting the oldest`, () => {
    const peer = new FakePeer();
    for (let i = 0; i <= MAX_AWAITED_ACKS; i++) relay.expect(`m${i}`, 'c1', peer);
    expect(relay.waiting).toBe(MAX_AWAITED_ACKS);
    subscriber.publish({ messageId: 'm0', connectionId: 'c1', ack: 'OLD' });
    subscriber.publish({ messageId: `m${MAX_AWAITED_ACKS}`, connectionId: 'c1', ack: 'NEW' });
    expect(peer.sent).toEqual(['NEW']);
  });

  it('does not register a socket that is already closed', () => {
    const peer = new FakePeer();
    peer.close();
    relay.expect('m1', 'c1', peer);
    expect(relay.waiting).toBe(0);
  });
});
