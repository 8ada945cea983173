import { FOREIGN_ORIGIN } from '../faults/apply-fault';
import type { Reply } from '../fhir/reply';
import type { AthenaCall, AthenaRoutes } from './athena-call';
import { ATHENA_FEEDS, FEED_EVENTS, type AthenaFeed } from './athena-change-feeds';
import { isReply, pageLink, pageWindow, STANDARD_LIMITS } from './athena-paging';
import { athenaJson, ATHENA_ERRORS } from './athena-reply';
import { EASTERN, instantOf, parseUsDateTime } from './athena-time';

/** showprocessed*datetime: MM/DD/YYYY HH:mm:ss in US Eastern (never UTC), as an instant. */
function easternParam(call: AthenaCall, name: string): number | undefined | Reply {
  const text = call.params.get(name);
  if (text === undefined) return undefined;
  const wall = parseUsDateTime(text);
  return wall ? instantOf(wall, EASTERN) : ATHENA_ERRORS.invalidFields('Datetimes must be in mm/dd/yyyy hh24:mi:ss format.', [name]);
}

function poll(call: AthenaCall, feed: AthenaFeed): Reply {
  if (!call.athena.feeds.ready(call.clientId, call.practiceId, feed)) return ATHENA_ERRORS.notSubscribed();
  const window = pageWindow(call.params, STANDARD_LIMITS);
  if (isReply(window)) return window;
  const from = easternParam(call, 'showprocessedstartdatetime');
  const to = easternParam(call, 'showprocessedenddatetime');
  if (typeof from === 'object') return from;
  if (typeof to === 'object') return to;
  const result = call.athena.feeds.poll(call.clientId, call.practiceId, feed, {
    departmentIds: call.params.all('departmentid'),
    leaveUnprocessed: call.params.flag('leaveunprocessed'),
    processedFromMs: from ?? (to !== undefined ? 0 : undefined),
    processedToMs: to,
    offset: window.offset,
    limit: window.limit,
  });
  const body: Record<string, unknown> = { [feed]: result.items, totalcount: result.total };
  if (result.nextOffset !== undefined) {
    const foreignOrigin = call.fault?.kind === 'foreign-next-link' ? FOREIGN_ORIGIN : undefined;
    body.next = pageLink({ practiceId: call.practiceId, path: `/${feed}/changed`, params: call.params, window, foreignOrigin }, result.nextOffset);
  }
  return athenaJson(200, body);
}

function eventOf(call: AthenaCall, feed: AthenaFeed): string | undefined | Reply {
  const eventname = call.params.get('eventname');
  if (eventname === undefined) return undefined;
  return FEED_EVENTS[feed].includes(eventname) ? eventname : ATHENA_ERRORS.invalidFields('The event name is not valid for this feed.', ['eventname']);
}

/** Changed-data subscriptions and the destructive-read change feeds, for appointments and patients. */
export function changeRoutes(r: AthenaRoutes): void {
  for (const feed of ATHENA_FEEDS) {
    const base = `/${feed}/changed`;
    r.get(`${base}/subscription/events`, () => athenaJson(200, { subscriptions: FEED_EVENTS[feed].map((eventname) => ({ eventname })) }));
    r.get(`${base}/subscription`, (call) => athenaJson(200, call.athena.feeds.status(call.clientId, call.practiceId, feed)));
    r.post(`${base}/subscription`, (call) => {
      const event = eventOf(call, feed);
      if (typeof event === 'object') return event;
      call.athena.feeds.subscribe(call.clientId, call.practiceId, feed, event);
      return athenaJson(200, { success: 'true' });
    });
    r.delete(`${base}/subscription`, (call) => {
      const event = eventOf(call, feed);
      if (typeof event === 'object') return event;
      call.athena.feeds.unsubscribe(call.clientId, call.practiceId, feed, event);
      return athenaJson(200, { success: 'true' });
    });
    r.get(base, (call) => poll(call, feed));
  }
}
