import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from '@sb/queue';

/** Redis channel (after the deployment's key prefix) the mllp listener subscribes to. */
export const HL7_APPLICATION_ACK_CHANNEL = 'hl7:application-ack';

export interface ApplicationAckNotice {
  messageId: string;
  connectionId: string;
  ack: string;
}

/**
 * Hands an application ACK to the mllp process that holds the sender's socket
 * (Redis pub/sub). Best effort by design: the ACK is stored on the message first,
 * so a sender that disconnected can still be answered from the message log.
 */
@Injectable()
export class ApplicationAckPublisher {
  private readonly logger = new Logger(ApplicationAckPublisher.name);

  constructor(private readonly redis: RedisService) {}

  async publish(notice: ApplicationAckNotice): Promise<void> {
    try {
      await this.redis.client.publish(`${this.redis.prefix}${HL7_APPLICATION_ACK_CHANNEL}`, JSON.stringify(notice));
    } catch (error) {
      this.logger.warn({ err: error }, 'application ACK not published; it stays on the message');
    }
  }
}
