import { Injectable, Logger } from '@nestjs/common';
import { inWallClockHours } from '@sb/core';
import { HealthAlertRepository, type DbTransaction, type HealthAlertRule, type HealthTransition } from '@sb/db';
import { EventWriter } from '@sb/events';

export const CONNECTION_HEALTH_ALERT = 'connection.health_alert';

/** A health change just recorded by the monitor (in the transaction still open). */
export interface RecordedHealthChange {
  tenantId: string;
  connectionId: string;
  changeId: string;
  transition: HealthTransition;
  at: Date;
}

/** What the rules did with one change. */
export interface HealthAlertOutcome {
  alerted: number;
  suppressed: number;
}

/**
 * Applies the tenant's health alert rules to a transition, inside the transaction that records
 * it: each matching rule (connection listed or none listed, status among its `to`) gets one
 * firing row keyed (rule, change) — the insert that wins appends `connection.health_alert`
 * (delivered by the webhook relay), unless the change falls within the rule's quiet hours,
 * when the row is stored as suppressed and no event is written. A second evaluation of the same
 * change, by a racing worker or a retry, finds the rows and writes nothing.
 */
@Injectable()
export class HealthAlertEvaluator {
  private readonly logger = new Logger(HealthAlertEvaluator.name);

  constructor(
    private readonly alerts: HealthAlertRepository,
    private readonly events: EventWriter,
  ) {}

  async evaluate(tx: DbTransaction, change: RecordedHealthChange): Promise<HealthAlertOutcome> {
    const { tenantId, connectionId, changeId, transition, at } = change;
    const outcome: HealthAlertOutcome = { alerted: 0, suppressed: 0 };
    for (const rule of await this.alerts.matching(tx, tenantId, connectionId, transition.to)) {
      const suppressed = this.quiet(rule, at);
      if (!(await this.alerts.claimFiring(tx, tenantId, { ruleId: rule.id, changeId, connectionId, status: transition.to, suppressed, at }))) continue;
      if (suppressed) {
        outcome.suppressed += 1;
        continue;
      }
      const [eventId] = await this.events.append(tx, [
        {
          tenantId,
          connectionId,
          type: CONNECTION_HEALTH_ALERT,
          data: {
            ruleId: rule.id,
            ruleName: rule.name,
            connectionId,
            status: transition.to,
            previousStatus: transition.from,
            reason: transition.reason,
            errorCode: transition.errorCode,
          },
        },
      ]);
      if (!eventId) throw new Error('the event was not appended');
      await this.alerts.setFiringEvent(tx, rule.id, changeId, eventId);
      outcome.alerted += 1;
    }
    return outcome;
  }

  /**
   * Whether the change falls in the rule's quiet hours. The API validated them, but a zone this
   * runtime's ICU does not know would throw here and roll the transition back on every check:
   * such a rule alerts (fails open) rather than stop the monitor recording the connection's health.
   */
  private quiet(rule: HealthAlertRule, at: Date): boolean {
    if (rule.quietHours === null) return false;
    try {
      return inWallClockHours(rule.quietHours, at);
    } catch (error) {
      this.logger.warn({ err: error, ruleId: rule.id }, 'quiet hours not evaluable: the rule alerts');
      return false;
    }
  }
}
