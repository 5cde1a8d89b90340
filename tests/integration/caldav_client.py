#!/usr/bin/python3
# A real CalDAV client (python3-caldav) against rampart's CalDAV server, for
# tests/integration/test_caldav.sh. Each check prints what it checked ("ok:
# ..."); the first mismatch prints "FAIL: ..." and exits 1.
#
#   caldav_client.py URL USER PASSWORD [--ca FILE] main
#       discovery (the root and /.well-known/caldav), calendars, events (plain,
#       weekly recurring in Europe/Berlin with an EXDATE, all-day), an edit,
#       time-range queries (with expand), todos, a delete
#   caldav_client.py URL USER PASSWORD [--ca FILE] https UID
#       over TLS: discovery, a read of UID in work, an event stored, found, deleted
#   caldav_client.py URL USER PASSWORD sync-token CAL
#       prints the calendar's sync token
#   caldav_client.py URL USER PASSWORD sync-since CAL TOKEN
#       prints "NAME ETAG" of each object changed since TOKEN (loaded), then
#       the new token on a last line "token TOKEN"
import argparse
import datetime
import sys
import urllib.parse

import caldav
from caldav.lib import error

UTC = datetime.timezone.utc


failures = []


def fail(what):
    """A failure that stops the run: what follows depends on it."""
    print("FAIL: " + what, flush=True)
    sys.exit(1)


def bad(what):
    """A failed check; the run goes on and exits 1 at its end."""
    print("FAIL: " + what, flush=True)
    failures.append(what)


def ok(what):
    print("ok: " + what, flush=True)


def expect(cond, what, got=None):
    if not cond:
        bad(what + ("" if got is None else " (got %r)" % (got,)))
        return False
    ok(what)
    return True


def t(y, mo, d, h=0, mi=0):
    return datetime.datetime(y, mo, d, h, mi, tzinfo=UTC)


def uids(objs):
    return sorted(str(o.vobject_instance.vevent.uid.value) for o in objs)


def path_of(url):
    return str(caldav.lib.url.URL.objectify(url).path)


BERLIN = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def vcal(body, tz=""):
    return ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//rampart tests//caldav_client//EN\n" + tz +
            body + "END:VCALENDAR\n")


PLAIN = vcal("""BEGIN:VEVENT
UID:plain-1@rampart.test
DTSTAMP:20250101T000000Z
DTSTART:20250310T090000Z
DTEND:20250310T100000Z
SUMMARY:Plain meeting
END:VEVENT
""")

# Mondays 18:00 Berlin time, 10 occurrences from 3 March 2025, 17 March
# excluded. Berlin moves to summer time on 30 March: 17:00Z before, 16:00Z
# after. Instances: 3, 10, 24, 31 Mar; 7, 14, 21, 28 Apr; 5 May.
WEEKLY = vcal("""BEGIN:VEVENT
UID:weekly-1@rampart.test
DTSTAMP:20250101T000000Z
DTSTART;TZID=Europe/Berlin:20250303T180000
DTEND;TZID=Europe/Berlin:20250303T190000
RRULE:FREQ=WEEKLY;COUNT=10
EXDATE;TZID=Europe/Berlin:20250317T180000
SUMMARY:Weekly choir
END:VEVENT
""", BERLIN)

ALLDAY = vcal("""BEGIN:VEVENT
UID:allday-1@rampart.test
DTSTAMP:20250101T000000Z
DTSTART;VALUE=DATE:20250320
DTEND;VALUE=DATE:20250321
SUMMARY:Holiday
END:VEVENT
""")

TODO = vcal("""BEGIN:VTODO
UID:todo-1@rampart.test
DTSTAMP:20250101T000000Z
DUE:20250401T120000Z
SUMMARY:File the taxes
STATUS:NEEDS-ACTION
END:VTODO
""")


def discovery(url, user, password, ca):
    kw = {"ssl_verify_cert": ca} if ca else {}
    root = url.rstrip("/") + "/"
    want = "/principals/users/%s/" % user
    c = caldav.DAVClient(url=root, username=user, password=password, **kw)
    p = c.principal()
    expect(path_of(p.url) == want, "principal discovered from %s is %s" % (root, want),
           str(p.url))
    home = p.calendar_home_set
    expect(path_of(home.url) == "/calendars/%s/" % user,
           "calendar-home-set is /calendars/%s/" % user, str(home.url))
    wk = caldav.DAVClient(url=root + ".well-known/caldav", username=user, password=password,
                          **kw)
    p2 = wk.principal()
    expect(path_of(p2.url) == want, "principal discovered from /.well-known/caldav is " + want,
           str(p2.url))
    return c, p


def range_uids(cal, start, end):
    return uids(cal.search(start=start, end=end, event=True))


def main_checks(url, user, password, ca):
    c, p = discovery(url, user, password, ca)
    before = sorted(path_of(x.url) for x in p.calendars())
    work = p.make_calendar(name="Work", cal_id="work")
    expect(path_of(work.url) == "/calendars/%s/work/" % user, "MKCALENDAR made /calendars/%s/work/" % user,
           str(work.url))
    tasks = p.make_calendar(name="Tasks", cal_id="tasks",
                            supported_calendar_component_set=["VTODO"])
    after = sorted(path_of(x.url) for x in p.calendars())
    expect(after == sorted(before + ["/calendars/%s/work/" % user, "/calendars/%s/tasks/" % user]),
           "calendars listed: %s" % after, after)
    names = sorted(x.get_display_name() for x in p.calendars() if "/work/" in str(x.url) or
                   "/tasks/" in str(x.url))
    expect(names == ["Tasks", "Work"], "display names Work and Tasks", names)

    # events
    e_plain = work.save_event(PLAIN)
    e_weekly = work.save_event(WEEKLY)
    e_allday = work.save_event(ALLDAY)
    expect(uids(work.events()) == ["allday-1@rampart.test", "plain-1@rampart.test",
                                   "weekly-1@rampart.test"],
           "three events stored and listed", uids(work.events()))
    got = work.event_by_uid("weekly-1@rampart.test").data
    expect("RRULE:FREQ=WEEKLY;COUNT=10" in got and "EXDATE;TZID=Europe/Berlin:20250317T180000" in got,
           "the recurring event reads back with its RRULE and EXDATE")

    # time ranges
    cases = [
        ("10 Mar 08:00-12:00Z: the plain event only", t(2025, 3, 10, 8), t(2025, 3, 10, 12),
         ["plain-1@rampart.test"]),
        ("10 Mar whole day: plain and the 2nd weekly instance", t(2025, 3, 10), t(2025, 3, 11),
         ["plain-1@rampart.test", "weekly-1@rampart.test"]),
        ("14 Apr: only a recurrence instance (the 7th)", t(2025, 4, 14), t(2025, 4, 15),
         ["weekly-1@rampart.test"]),
        ("17 Mar 16:00-18:00Z: the EXDATE'd instance, nothing", t(2025, 3, 17, 16),
         t(2025, 3, 17, 18), []),
        ("31 Mar 16:00-16:30Z: the instance after the DST change (16:00Z)", t(2025, 3, 31, 16),
         t(2025, 3, 31, 16, 30), ["weekly-1@rampart.test"]),
        ("31 Mar 17:00-17:30Z: past that instance's end, nothing", t(2025, 3, 31, 17),
         t(2025, 3, 31, 17, 30), []),
        ("24 Mar 17:30-17:45Z: inside a winter-time instance (17:00-18:00Z)", t(2025, 3, 24, 17, 30),
         t(2025, 3, 24, 17, 45), ["weekly-1@rampart.test"]),
        ("12 May: after COUNT=10 ended, nothing", t(2025, 5, 12), t(2025, 5, 13), []),
        ("20 Mar 10:00-14:00Z: the all-day event", t(2025, 3, 20, 10), t(2025, 3, 20, 14),
         ["allday-1@rampart.test"]),
        ("21 Mar 10:00-14:00Z: the day after the all-day event, nothing", t(2025, 3, 21, 10),
         t(2025, 3, 21, 14), []),
        ("all of March: the three", t(2025, 3, 1), t(2025, 4, 1),
         ["allday-1@rampart.test", "plain-1@rampart.test", "weekly-1@rampart.test"]),
    ]
    for what, s, e, want in cases:
        got = range_uids(work, s, e)
        expect(got == want, "time-range %s -> %s" % (what, want), got)

    # expand (RFC 4791 9.6.5): the server's own answer, before any client-side expansion
    from caldav.objects import Event
    xml, cc = work.build_search_xml_query(comp_class=Event, start=t(2025, 3, 1), end=t(2025, 4, 8),
                                          expand=True, uid="weekly-1@rampart.test")
    _, raw = work._request_report_build_resultlist(xml, cc)
    expect(len(raw) == 1, "expand: one object for the weekly event", len(raw))
    data = raw[0].data
    expect("RRULE" not in data and "EXDATE" not in data and "VTIMEZONE" not in data,
           "expand: the server's answer has no RRULE, EXDATE or VTIMEZONE", data)
    rids = sorted(l.split(":", 1)[1].strip() for l in data.splitlines()
                  if l.startswith("RECURRENCE-ID"))
    want = ["20250303T170000Z", "20250310T170000Z", "20250324T170000Z", "20250331T160000Z",
            "20250407T160000Z"]
    expect(rids == want, "expand: RECURRENCE-IDs in UTC %s" % want, rids)
    starts = sorted(l.split(":", 1)[1].strip() for l in data.splitlines()
                    if l.startswith("DTSTART"))
    expect(starts == want, "expand: DTSTARTs in UTC, the same", starts)
    ends = sorted(l.split(":", 1)[1].strip() for l in data.splitlines() if l.startswith("DTEND"))
    expect(ends == ["20250303T180000Z", "20250310T180000Z", "20250324T180000Z",
                    "20250331T170000Z", "20250407T170000Z"], "expand: DTENDs in UTC", ends)
    # and as the library hands it to an application
    inst = work.search(start=t(2025, 4, 1), end=t(2025, 5, 1), event=True, expand=True)
    got = sorted(str(i.vobject_instance.vevent.dtstart.value.astimezone(UTC).strftime("%Y%m%dT%H%MZ"))
                 for i in inst if i.vobject_instance.vevent.uid.value == "weekly-1@rampart.test")
    expect(got == ["20250407T1600Z", "20250414T1600Z", "20250421T1600Z", "20250428T1600Z"],
           "search(expand=True) in April: 4 instances at 16:00Z", got)

    # edit the plain event: moved to 11 March, new summary
    ev = work.event_by_uid("plain-1@rampart.test")
    ev.data = (ev.data.replace("DTSTART:20250310T090000Z", "DTSTART:20250311T090000Z")
               .replace("DTEND:20250310T100000Z", "DTEND:20250311T100000Z")
               .replace("SUMMARY:Plain meeting", "SUMMARY:Plain meeting (moved)"))
    ev.save()
    again = work.event_by_uid("plain-1@rampart.test")
    v = again.vobject_instance.vevent
    expect(v.summary.value == "Plain meeting (moved)" and
           v.dtstart.value.astimezone(UTC) == t(2025, 3, 11, 9),
           "edit: summary and start read back changed", (v.summary.value, v.dtstart.value))
    expect(range_uids(work, t(2025, 3, 10, 8), t(2025, 3, 10, 12)) == [],
           "edit: the old slot (10 Mar 08:00-12:00Z) is empty now")
    expect(range_uids(work, t(2025, 3, 11, 8), t(2025, 3, 11, 12)) == ["plain-1@rampart.test"],
           "edit: the new slot (11 Mar 08:00-12:00Z) has it")
    expect(len(work.events()) == 3, "edit: still three events, not a copy", len(work.events()))

    # todos in the VTODO calendar; an event is refused there
    tasks.save_todo(TODO)
    todos = tasks.todos()
    expect([str(x.vobject_instance.vtodo.uid.value) for x in todos] == ["todo-1@rampart.test"],
           "todo stored and listed as pending", [x.data for x in todos])
    expect(todos[0].vobject_instance.vtodo.summary.value == "File the taxes",
           "todo summary reads back")
    try:
        tasks.save_event(vcal("BEGIN:VEVENT\nUID:wrong-comp@rampart.test\nDTSTAMP:20250101T000000Z\n"
                              "DTSTART:20250301T090000Z\nSUMMARY:x\nEND:VEVENT\n"))
        fail("an event was stored in a VTODO-only calendar")
    except (error.PutError, error.AuthorizationError) as e:
        expect("Forbidden" in str(e) or "403" in str(e),
               "an event in the VTODO-only calendar is refused (403)", str(e))
    expect(tasks.events() == [], "no event in the VTODO calendar", [x.data for x in tasks.events()])
    todo = tasks.todos()[0]
    todo.complete()
    expect(tasks.todos() == [], "the completed todo is no longer pending",
           [x.data for x in tasks.todos()])
    expect(len(tasks.todos(include_completed=True)) == 1, "with include_completed it is listed")

    # delete the all-day event
    e_allday = work.event_by_uid("allday-1@rampart.test")
    e_allday.delete()
    expect(uids(work.events()) == ["plain-1@rampart.test", "weekly-1@rampart.test"],
           "delete: two events left", uids(work.events()))
    try:
        work.event_by_uid("allday-1@rampart.test")
        fail("the deleted event is still found by UID")
    except error.NotFoundError:
        ok("delete: the deleted event is not found by UID")
    expect(range_uids(work, t(2025, 3, 20, 10), t(2025, 3, 20, 14)) == [],
           "delete: its time range is empty")


def https_checks(url, user, password, ca, uid):
    c, p = discovery(url, user, password, ca)
    cals = sorted(path_of(x.url) for x in p.calendars())
    expect("/calendars/%s/work/" % user in cals, "over TLS: the calendars are listed", cals)
    work = p.calendar(cal_id="work")
    ev = work.event_by_uid(uid)
    expect(str(ev.vobject_instance.vevent.uid.value) == uid, "over TLS: %s is read" % uid)
    work.save_event(vcal("BEGIN:VEVENT\nUID:tls-1@rampart.test\nDTSTAMP:20250101T000000Z\n"
                         "DTSTART:20250701T090000Z\nDTEND:20250701T100000Z\nSUMMARY:over TLS\n"
                         "END:VEVENT\n"))
    got = range_uids(work, t(2025, 7, 1), t(2025, 7, 2))
    expect(got == ["tls-1@rampart.test"], "over TLS: an event stored and found by time range", got)
    work.event_by_uid("tls-1@rampart.test").delete()
    expect(range_uids(work, t(2025, 7, 1), t(2025, 7, 2)) == [], "over TLS: and deleted")


def calendar(url, user, password, ca, cal):
    kw = {"ssl_verify_cert": ca} if ca else {}
    c = caldav.DAVClient(url=url.rstrip("/") + "/", username=user, password=password, **kw)
    return c.principal().calendar(cal_id=cal)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--ca")
    ap.add_argument("mode", choices=["main", "https", "sync-token", "sync-since"])
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    if a.mode == "main":
        main_checks(a.url, a.user, a.password, a.ca)
    elif a.mode == "https":
        https_checks(a.url, a.user, a.password, a.ca, a.args[0])
    elif a.mode == "sync-token":
        print(calendar(a.url, a.user, a.password, a.ca, a.args[0]).objects_by_sync_token().sync_token)
    elif a.mode == "sync-since":
        cal = calendar(a.url, a.user, a.password, a.ca, a.args[0])
        res = cal.objects_by_sync_token(sync_token=a.args[1], load_objects=True)
        for o in res:
            print(urllib.parse.unquote(path_of(o.url).rsplit("/", 1)[1]), (o.props or {}).get("{DAV:}getetag", "-"),
                  "loaded" if o.data else "gone")
        print("token", res.sync_token)
    if failures:
        print("FAIL: %d checks failed" % len(failures), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # a client error is a failed check, with its cause
        import traceback
        traceback.print_exc()
        fail("%s: %s" % (type(e).__name__, e))
