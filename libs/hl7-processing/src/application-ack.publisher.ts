import { Injectable, Logger } from '@nestjs/common';
import { hl7ApplicationAckChannel, RedisService, type Hl7ApplicationAckNotice } from '@sb/queue';

/**
 * Hands an application ACK to the mllp process that holds the sender's socket
 * (Redis pub/sub). Best effort by design: the ACK is stored on the message first,
 * so a sender that disconnected can still be answered from the message log.
 */
@Injectable()
export class ApplicationAckPublisher {
  private readonly logger = new Logger(ApplicationAckPublisher.name);

  constructor(private readonly redis: RedisService) {}

  async publish(notice: Hl7ApplicationAckNotice): Promise<void> {
    try {
      await this.redis.client.publish(hl7ApplicationAckChannel(this.redis.prefix), JSON.stringify(notice));
    } catch (error) {
      this.logger.warn({ err: error }, 'application ACK not published; it stays on the message');
    }
  }
}
