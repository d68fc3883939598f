/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * psoasd's org.psoas.Posture1 methods (daemon/bus-posture.c, bus-clients.c) fed arbitrary calls, on a real Manager
 * (daemon/manager.c) without hardware and without a dbus-daemon.
 *
 * The daemon's end of the connection is one end of a socketpair: bus_posture_register() opens "the user bus"
 * with sd_bus_open_user(), which this program replaces at link time (-Wl,--wrap=sd_bus_open_user) with that
 * end, a bus client that says Hello like any other. The other end is a thread playing both the bus and its
 * clients: it answers the org.freedesktop.DBus calls sd-bus makes (Hello, AddMatch, RequestName, GetNameOwner
 * for sd_bus_track, GetConnectionCredentials for the access check), and it sends the fuzzed calls with
 * sender names of up to CLIENTS_MAX clients, one in three of them root. A client can leave (NameOwnerChanged),
 * which is how the daemon's trackers drop its inhibitors and live claims. (The access group itself is not
 * reached: sd-bus 252 takes a caller's groups only from /proc/PID, and every PID here is this process's.)
 *
 * The input is a program: its first byte picks the bus flavour (user bus: no access checks; system bus:
 * credentials checked), then each operation takes a byte and its arguments: a call of a real method (learnt
 * from the live introspection, so that a method added to the vtable is fuzzed without a change here; chosen
 * by its index, or by its name for inputs that must keep their meaning) with values of its signature; a call
 * with a signature made up from the input (wrong types); Properties Get/GetAll/Set; Introspect and Peer calls
 * on other paths; a change of client; a client leaving; a call that expects no reply. A string is a length
 * byte and its bytes, or 64 KiB for the length 255.
 *
 * Checked besides memory safety: every call that expects a reply gets one; at the end, when every client has
 * left, no inhibitor, no live claim and no inhibition remain.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "common/macro.h"
#include "fuzz.h"
#include "log.h"
#include "manager.h"

#define BUS_PATH "/org/psoas/Posture1"
#define BUS_INTERFACE "org.psoas.Posture1"
#define DAEMON_UNIQUE_NAME ":1.0"

#define CLIENTS_MAX 8u
#define CALLS_MAX 64u
#define METHODS_MAX 64u
#define PROPERTIES_MAX 64u
#define HUGE_STRING_SIZE (64u * 1024u)
/* Access checks: clients are, by index modulo 3, root, then two others, one of them listed in this group. */
#define ACCESS_GID 4242u
#define OTHER_UID 4243u
/* No input needs more than this to be answered (each call takes microseconds; the margin is for a machine
 * so loaded that a thread waits long for its turn). */
#define JOB_DEADLINE_USEC (20u * 1000u * 1000u)

/* ------------------------------------------------------------------------------------------------------- */
/* Input */

typedef struct Input {
        const uint8_t *p;
        size_t n;
} Input;

static uint8_t take_u8(Input *in) {
        if (in->n == 0)
                return 0;
        in->n--;
        return *in->p++;
}

static uint64_t take_u64(Input *in, unsigned bytes) {
        uint64_t v = 0;

        for (unsigned i = 0; i < bytes; i++)
                v = v << 8 | take_u8(in);
        return v;
}

/* A string for D-Bus (no NUL; sd-bus refuses invalid UTF-8 on our side, which then skips the call): a length
 * byte and that many bytes, or a huge string for length 255. */
static char *take_string(Input *in) {
        uint8_t length = take_u8(in);
        char *s;

        if (length == 255) {
                s = malloc(HUGE_STRING_SIZE + 1);
                if (s) {
                        memset(s, 'x', HUGE_STRING_SIZE);
                        s[HUGE_STRING_SIZE] = '\0';
                }
                return s;
        }
        if (length > in->n)
                length = (uint8_t)in->n;
        /* A NUL ends it early, as it would in C. */
        s = strndup((const char *)in->p, length);
        in->p += length;
        in->n -= length;
        return s;
}

/* ------------------------------------------------------------------------------------------------------- */
/* The peer: the bus and its clients, in their own thread */

typedef struct Method {
        char name[64];
        char signature[64];
} Method;

typedef enum JobPhase {
        JOB_IDLE,
        JOB_CALLS, /* the input's calls are out; waiting for their replies */
        JOB_LEAVING, /* every client has left; waiting for the Ping that follows */
} JobPhase;

typedef struct Peer {
        sd_event *event;
        sd_bus *bus;
        int fd; /* our end of the socketpair */
        int command_fd; /* main → peer: a job is ready */
        int done_fd; /* peer → main: every reply is in */

        Method methods[METHODS_MAX];
        unsigned n_methods;
        char properties[PROPERTIES_MAX][64];
        unsigned n_properties;

        /* The current job. Its calls go out together (the daemon reads them one after the other, as from a
         * busy bus); the fake bus answers the daemon's questions (GetNameOwner, AddMatch …) only after they
         * are all out, so a client that leaves anywhere in the input has left before the daemon asks about
         * it or subscribes to its departure, as for a daemon slower than its clients: its calls fail to be
         * tracked. A client's remaining calls still arrive (sent before it died). */
        const uint8_t *data;
        size_t size;
        JobPhase phase;
        unsigned outstanding;
        bool present[CLIENTS_MAX];
        bool gone[CLIENTS_MAX]; /* a unique name is never used again once its owner left */
        unsigned client;
} Peer;

static Peer peer = { .fd = -EBADF, .command_fd = -EBADF, .done_fd = -EBADF };

static void signal_fd(int fd) {
        FUZZ_ASSERT(eventfd_write(fd, 1) == 0);
}

static void client_name(unsigned client, char buf[static 16]) {
        snprintf(buf, 16, ":1.%u", client + 1);
}

/* -1 when name is not one of our clients (or has left). */
static int client_from_name(const char *name) {
        for (unsigned c = 0; c < CLIENTS_MAX; c++) {
                char buf[16];

                client_name(c, buf);
                if (streq(buf, name))
                        return peer.present[c] ? (int)c : -1;
        }
        return -1;
}

static void job_next_phase(void);

/* PSOAS_FUZZ_BUS_VERBOSE=1: every call and its reply on stderr, to see what an input does. */
static bool verbose;

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        if (verbose) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);

                if (e)
                        fprintf(stderr, "  -> %s: %s\n", e->name, e->message ?: "");
                else
                        fprintf(stderr, "  -> (%s)\n", sd_bus_message_get_signature(reply, true) ?: "");
        }
        FUZZ_ASSERT(peer.outstanding > 0);
        peer.outstanding--;
        if (peer.outstanding == 0)
                job_next_phase();
        return 0;
}

static int on_introspection(sd_bus_message *reply, void *userdata, sd_bus_error *error);

/* The org.freedesktop.DBus calls sd-bus makes, answered as dbus-daemon would. */
static int bus_hello(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *introspect = NULL;
        int r;

        r = sd_bus_reply_method_return(m, "s", DAEMON_UNIQUE_NAME);
        if (r < 0)
                return r;
        /* Only after the Hello reply: sd-bus drops a connection whose first message is anything else. */
        FUZZ_ASSERT(sd_bus_message_new_method_call(peer.bus, &introspect, DAEMON_UNIQUE_NAME, BUS_PATH,
                            "org.freedesktop.DBus.Introspectable", "Introspect") >= 0);
        FUZZ_ASSERT(sd_bus_message_set_sender(introspect, ":1.1") >= 0);
        FUZZ_ASSERT(sd_bus_call_async(peer.bus, NULL, introspect, on_introspection, NULL, 0) >= 0);
        return 1;
}

static int bus_ok(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, NULL);
}

static int bus_request_name(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "u", 1u /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */);
}

static int bus_release_name(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "u", 1u /* DBUS_RELEASE_NAME_REPLY_RELEASED */);
}

static int read_client(sd_bus_message *m, sd_bus_error *error, const char **ret_name) {
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        if (!streq(name, DAEMON_UNIQUE_NAME) && !streq(name, "org.freedesktop.DBus") &&
                client_from_name(name) < 0)
                return sd_bus_error_setf(
                        error, "org.freedesktop.DBus.Error.NameHasNoOwner", "No such name '%s'.", name);
        *ret_name = name;
        return 0;
}

static int bus_get_name_owner(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        int r;

        r = read_client(m, error, &name);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "s", name);
}

static int bus_name_has_owner(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "b", client_from_name(name) >= 0);
}

static uid_t client_uid(int client) {
        return client % 3 == 0 ? 0 : OTHER_UID;
}

static int bus_get_connection_credentials(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name;
        int client, r;

        r = read_client(m, error, &name);
        if (r < 0)
                return r;
        client = client_from_name(name);

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        /* No ProcessID: sd-bus would fill in what is missing from our own /proc entry, and we run as root. */
        if (client % 3 == 1)
                r = sd_bus_message_append(reply, "a{sv}", 2, "UnixUserID", "u", (uint32_t)OTHER_UID,
                        "UnixGroupIDs", "au", 2, 100u, ACCESS_GID);
        else
                r = sd_bus_message_append(reply, "a{sv}", 2, "UnixUserID", "u", (uint32_t)client_uid(client),
                        "UnixGroupIDs", "au", 1, 100u);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int bus_get_connection_unix_user(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        int r;

        r = read_client(m, error, &name);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "u", (uint32_t)client_uid(client_from_name(name)));
}

static const sd_bus_vtable fake_bus_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Hello", NULL, "s", bus_hello, 0),
        SD_BUS_METHOD("AddMatch", "s", NULL, bus_ok, 0),
        SD_BUS_METHOD("RemoveMatch", "s", NULL, bus_ok, 0),
        SD_BUS_METHOD("RequestName", "su", "u", bus_request_name, 0),
        SD_BUS_METHOD("ReleaseName", "s", "u", bus_release_name, 0),
        SD_BUS_METHOD("GetNameOwner", "s", "s", bus_get_name_owner, 0),
        SD_BUS_METHOD("NameHasOwner", "s", "b", bus_name_has_owner, 0),
        SD_BUS_METHOD("GetConnectionCredentials", "s", "a{sv}", bus_get_connection_credentials, 0),
        SD_BUS_METHOD("GetConnectionUnixUser", "s", "u", bus_get_connection_unix_user, 0),
        SD_BUS_VTABLE_END,
};

/* ------------------------------------------------------------------------------------------------------- */
/* Building calls */

static const char *const made_up_types[] = {
        "y",
        "b",
        "n",
        "q",
        "i",
        "u",
        "x",
        "t",
        "d",
        "s",
        "o",
        "g",
        "as",
        "a{sv}",
        "v",
        "(su)",
        "ai",
        "a(ss)",
};

/* Appends one value of the complete type at *sig, taking its contents from the input; advances *sig. */
static int append_value(sd_bus_message *m, const char **sig, Input *in, unsigned depth) {
        char type = **sig;
        int r;

        if (depth > 8)
                return -EINVAL;
        (*sig)++;

        switch (type) {
        case 'y': {
                uint8_t v = take_u8(in);
                return sd_bus_message_append_basic(m, type, &v);
        }
        case 'b': {
                int v = take_u8(in) & 1;
                return sd_bus_message_append_basic(m, type, &v);
        }
        case 'n':
        case 'q': {
                uint16_t v = (uint16_t)take_u64(in, 2);
                return sd_bus_message_append_basic(m, type, &v);
        }
        case 'i':
        case 'u': {
                uint32_t v = (uint32_t)take_u64(in, 4);
                return sd_bus_message_append_basic(m, type, &v);
        }
        case 'x':
        case 't': {
                uint64_t v = take_u64(in, 8);
                return sd_bus_message_append_basic(m, type, &v);
        }
        case 'd': {
                uint64_t bits = take_u64(in, 8);
                double v;

                memcpy(&v, &bits, sizeof(v));
                return sd_bus_message_append_basic(m, type, &v);
        }
        case 's': {
                _cleanup_free_ char *v = take_string(in);

                if (!v)
                        return -ENOMEM;
                return sd_bus_message_append_basic(m, type, v);
        }
        case 'o':
                return sd_bus_message_append_basic(m, type, take_u8(in) & 1 ? BUS_PATH : "/");
        case 'g':
                return sd_bus_message_append_basic(m, type, take_u8(in) & 1 ? "a{sv}" : "");
        case 'v': {
                const char *contents = made_up_types[take_u8(in) % ELEMENTSOF(made_up_types)];
                const char *p = contents;

                r = sd_bus_message_open_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = append_value(m, &p, in, depth + 1);
                if (r < 0)
                        return r;
                return sd_bus_message_close_container(m);
        }
        case 'a': {
                const char *element = *sig;
                char contents[64];
                unsigned n = take_u8(in) % 4;
                size_t length;

                /* The element's extent: skip one complete type on a copy of the cursor. */
                {
                        unsigned level = 0;
                        const char *p = element;

                        do {
                                if (*p == '\0')
                                        return -EINVAL;
                                if (*p == '(' || *p == '{')
                                        level++;
                                else if (*p == ')' || *p == '}')
                                        level--;
                                else if (*p == 'a') {
                                        p++;
                                        continue;
                                }
                                p++;
                        } while (level > 0);
                        length = (size_t)(p - element);
                }
                if (length >= sizeof(contents))
                        return -EINVAL;
                memcpy(contents, element, length);
                contents[length] = '\0';
                *sig = element + length;

                r = sd_bus_message_open_container(m, 'a', contents);
                if (r < 0)
                        return r;
                for (unsigned i = 0; i < n; i++) {
                        const char *p = contents;

                        r = append_value(m, &p, in, depth + 1);
                        if (r < 0)
                                return r;
                }
                return sd_bus_message_close_container(m);
        }
        case '(':
        case '{': {
                char close = type == '(' ? ')' : '}';
                char contents[64];
                const char *start = *sig;
                unsigned level = 1;
                size_t length;

                while (level > 0) {
                        if (**sig == '\0')
                                return -EINVAL;
                        if (**sig == '(' || **sig == '{')
                                level++;
                        else if (**sig == ')' || **sig == '}')
                                level--;
                        (*sig)++;
                }
                length = (size_t)(*sig - start) - 1;
                if (length >= sizeof(contents))
                        return -EINVAL;
                memcpy(contents, start, length);
                contents[length] = '\0';

                r = sd_bus_message_open_container(m, type == '(' ? 'r' : 'e', contents);
                if (r < 0)
                        return r;
                for (const char *p = contents; *p;) {
                        r = append_value(m, &p, in, depth + 1);
                        if (r < 0)
                                return r;
                }
                (void)close;
                return sd_bus_message_close_container(m);
        }
        default:
                return -EINVAL;
        }
}

static int append_signature(sd_bus_message *m, const char *signature, Input *in) {
        for (const char *p = signature; *p;) {
                int r = append_value(m, &p, in, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Sends m from the current client; counts the reply unless none is expected. Returns true when a reply is
 * awaited. */
static bool send_call(sd_bus_message *m, bool expect_reply) {
        char sender[16];
        int r;

        client_name(peer.client, sender);
        if (sd_bus_message_set_sender(m, sender) < 0)
                return false;
        if (verbose)
                fprintf(stderr, "%s %s %s.%s(%s)%s\n", sender, sd_bus_message_get_path(m),
                        sd_bus_message_get_interface(m), sd_bus_message_get_member(m),
                        sd_bus_message_get_signature(m, true) ?: "", expect_reply ? "" : " no reply");
        if (!expect_reply) {
                if (sd_bus_message_set_expect_reply(m, false) >= 0)
                        (void)sd_bus_send(peer.bus, m, NULL);
                return false;
        }
        /* No timeout (the main thread has its own deadline): a reply timer would be re-armed on every call. */
        r = sd_bus_call_async(peer.bus, NULL, m, on_reply, NULL, UINT64_MAX);
        if (r < 0)
                return false;
        if (verbose)
                (void)sd_bus_message_dump(m, stderr, 0);
        peer.outstanding++;
        return true;
}

static int new_call(const char *path, const char *interface, const char *member, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(peer.bus, ret, DAEMON_UNIQUE_NAME, path, interface, member);
}

static void client_leaves(unsigned client) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        char name[16];

        if (!peer.present[client])
                return;
        peer.present[client] = false;
        peer.gone[client] = true;
        client_name(client, name);
        if (sd_bus_message_new_signal(
                    peer.bus, &m, "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameOwnerChanged") < 0 ||
                sd_bus_message_append(m, "sss", name, name, "") < 0 ||
                sd_bus_message_set_sender(m, "org.freedesktop.DBus") < 0)
                return;
        (void)sd_bus_send(peer.bus, m, NULL);
}

/* Returns true when it sent a call that awaits a reply. */
static bool run_operation(Input *in) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        uint8_t op = take_u8(in) % 12;

        switch (op) {
        case 0 ... 3: { /* a real method, with values of its signature */
                const Method *method = &peer.methods[take_u8(in) % peer.n_methods];

                if (new_call(BUS_PATH, BUS_INTERFACE, method->name, &m) < 0 ||
                        append_signature(m, method->signature, in) < 0)
                        return false;
                return send_call(m, true);
        }
        case 4: { /* a real method with a made-up signature */
                const Method *method = &peer.methods[take_u8(in) % peer.n_methods];
                char signature[64] = "";
                unsigned n = take_u8(in) % 4;

                for (unsigned i = 0; i < n; i++)
                        strcat(signature, made_up_types[take_u8(in) % ELEMENTSOF(made_up_types)]);
                if (new_call(BUS_PATH, BUS_INTERFACE, method->name, &m) < 0 ||
                        append_signature(m, signature, in) < 0)
                        return false;
                return send_call(m, true);
        }
        case 5: { /* properties */
                static const char *const interfaces[] = { BUS_INTERFACE, "org.psoas.Posture2", "" };
                const char *property = peer.n_properties > 0 && take_u8(in) % 4 != 0
                        ? peer.properties[take_u8(in) % peer.n_properties]
                        : "NoSuchProperty";
                const char *interface = interfaces[take_u8(in) % ELEMENTSOF(interfaces)];
                uint8_t kind = take_u8(in) % 3;
                int r;

                r = new_call(BUS_PATH, "org.freedesktop.DBus.Properties",
                        kind == 0           ? "Get"
                                : kind == 1 ? "GetAll"
                                            : "Set",
                        &m);
                if (r >= 0)
                        r = sd_bus_message_append_basic(m, 's', interface);
                if (r >= 0 && kind != 1)
                        r = sd_bus_message_append_basic(m, 's', property);
                if (r >= 0 && kind == 2)
                        r = append_signature(m, "v", in);
                if (r < 0)
                        return false;
                return send_call(m, true);
        }
        case 6: { /* the standard interfaces, here and elsewhere */
                static const char *const paths[] = { BUS_PATH, "/", "/org/psoas", BUS_PATH "/x" };
                static const char *const calls[][2] = {
                        { "org.freedesktop.DBus.Introspectable", "Introspect" },
                        { "org.freedesktop.DBus.Peer", "Ping" },
                        { "org.freedesktop.DBus.Peer", "GetMachineId" },
                        { "org.freedesktop.DBus.ObjectManager", "GetManagedObjects" },
                        { BUS_INTERFACE, "NoSuchMethod" },
                };
                const char *const *call = calls[take_u8(in) % ELEMENTSOF(calls)];

                if (new_call(paths[take_u8(in) % ELEMENTSOF(paths)], call[0], call[1], &m) < 0)
                        return false;
                return send_call(m, true);
        }
        case 7: /* another client speaks from now on */
                peer.client = take_u8(in) % CLIENTS_MAX;
                peer.present[peer.client] = !peer.gone[peer.client];
                return false;
        case 8: /* the current client leaves the bus */
                client_leaves(peer.client);
                return false;
        case 9: { /* a real method, no reply wanted */
                const Method *method = &peer.methods[take_u8(in) % peer.n_methods];

                if (new_call(BUS_PATH, BUS_INTERFACE, method->name, &m) < 0 ||
                        append_signature(m, method->signature, in) < 0)
                        return false;
                return send_call(m, false);
        }
        case 10: { /* a client, then a real method: the common case, for short inputs */
                const Method *method;

                peer.client = take_u8(in) % CLIENTS_MAX;
                peer.present[peer.client] = !peer.gone[peer.client];
                method = &peer.methods[take_u8(in) % peer.n_methods];
                if (new_call(BUS_PATH, BUS_INTERFACE, method->name, &m) < 0 ||
                        append_signature(m, method->signature, in) < 0)
                        return false;
                return send_call(m, true);
        }
        default: { /* a client, then a method by name: what regression inputs use, as they must keep
                    * meaning the same call when methods are added to the interface */
                _cleanup_free_ char *name = NULL;
                const Method *method = NULL;

                peer.client = take_u8(in) % CLIENTS_MAX;
                peer.present[peer.client] = !peer.gone[peer.client];
                name = take_string(in);
                if (!name)
                        return false;
                for (unsigned i = 0; i < peer.n_methods && !method; i++)
                        if (streq(peer.methods[i].name, name))
                                method = &peer.methods[i];
                if (!method || new_call(BUS_PATH, BUS_INTERFACE, method->name, &m) < 0 ||
                        append_signature(m, method->signature, in) < 0)
                        return false;
                return send_call(m, true);
        }
        }
}

/* After the input's calls: every client leaves, then a Ping, whose reply comes after the daemon has seen
 * them go. After the Ping: done. */
static void job_next_phase(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *ping = NULL;

        if (peer.phase == JOB_CALLS) {
                peer.phase = JOB_LEAVING;
                for (unsigned c = 0; c < CLIENTS_MAX; c++)
                        client_leaves(c);
                peer.client = 0; /* the Ping's sender needs no owner: nothing tracks it */
                FUZZ_ASSERT(new_call(BUS_PATH, "org.freedesktop.DBus.Peer", "Ping", &ping) >= 0);
                FUZZ_ASSERT(send_call(ping, true));
                return;
        }
        FUZZ_ASSERT(peer.phase == JOB_LEAVING);
        peer.phase = JOB_IDLE;
        signal_fd(peer.done_fd);
}

static void run_job(void) {
        Input in = { peer.data, peer.size };

        FUZZ_ASSERT(peer.phase == JOB_IDLE && peer.outstanding == 0);
        peer.phase = JOB_CALLS;
        peer.client = 0;
        memset(peer.present, 0, sizeof(peer.present));
        memset(peer.gone, 0, sizeof(peer.gone));
        peer.present[0] = true;

        (void)take_u8(&in); /* the bus flavour, which the main thread applied */
        for (unsigned n = 0; in.n > 0 && n < CALLS_MAX; n++)
                (void)run_operation(&in);
        if (peer.outstanding == 0)
                job_next_phase();
}

static int on_command(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        eventfd_t value;

        (void)eventfd_read(fd, &value);
        run_job();
        return 0;
}

/* Learns the methods (name and input signature) and the properties from the live introspection. */
static int on_introspection(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const char *xml, *p;
        int r;

        FUZZ_ASSERT(!sd_bus_message_is_method_error(reply, NULL));
        r = sd_bus_message_read(reply, "s", &xml);
        FUZZ_ASSERT(r >= 0);

        p = strstr(xml, "<interface name=\"" BUS_INTERFACE "\">");
        FUZZ_ASSERT(p);
        for (;;) {
                const char *method = strstr(p, "<method name=\""),
                           *property = strstr(p, "<property name=\"");
                const char *end = strstr(p, "</interface>");

                if (method && method < end && (!property || method < property)) {
                        Method *entry = &peer.methods[peer.n_methods];
                        /* sd-bus writes <method name="X"> … </method> even without arguments. */
                        const char *close = strstr(method, "</method>");

                        method += strlen("<method name=\"");
                        FUZZ_ASSERT(close);
                        FUZZ_ASSERT(sscanf(method, "%63[^\"]", entry->name) == 1);
                        entry->signature[0] = '\0';
                        for (const char *arg = strstr(method, "<arg "); arg && arg < close;
                                arg = strstr(arg + 1, "<arg ")) {
                                const char *line_end = strchr(arg, '>');
                                const char *type = strstr(arg, "type=\"");
                                const char *in_dir = strstr(arg, "direction=\"in\"");
                                char t[32];

                                if (type && type < line_end && in_dir && in_dir < line_end &&
                                        sscanf(type + strlen("type=\""), "%31[^\"]", t) == 1 &&
                                        strlen(entry->signature) + strlen(t) < sizeof(entry->signature))
                                        strcat(entry->signature, t);
                        }
                        if (peer.n_methods + 1 < METHODS_MAX)
                                peer.n_methods++;
                        p = method;
                } else if (property && property < end) {
                        property += strlen("<property name=\"");
                        if (sscanf(property, "%63[^\"]", peer.properties[peer.n_properties]) == 1 &&
                                peer.n_properties + 1 < PROPERTIES_MAX)
                                peer.n_properties++;
                        p = property;
                } else
                        break;
        }
        FUZZ_ASSERT(peer.n_methods > 0);
        if (verbose)
                for (unsigned i = 0; i < peer.n_methods; i++)
                        fprintf(stderr, "method %u: %s(%s)\n", i, peer.methods[i].name,
                                peer.methods[i].signature);
        signal_fd(peer.done_fd);
        return 0;
}

static void *peer_main(void *userdata) {
        sd_id128_t id = SD_ID128_MAKE(70, 73, 6f, 61, 73, 66, 75, 7a, 7a, 62, 75, 73, 70, 65, 65, 72);

        FUZZ_ASSERT(sd_event_new(&peer.event) >= 0);
        FUZZ_ASSERT(sd_bus_new(&peer.bus) >= 0);
        FUZZ_ASSERT(sd_bus_set_fd(peer.bus, peer.fd, peer.fd) >= 0);
        FUZZ_ASSERT(sd_bus_set_server(peer.bus, true, id) >= 0);
        FUZZ_ASSERT(sd_bus_add_object_vtable(peer.bus, NULL, "/org/freedesktop/DBus", "org.freedesktop.DBus",
                            fake_bus_vtable, NULL) >= 0);
        FUZZ_ASSERT(sd_bus_start(peer.bus) >= 0);
        FUZZ_ASSERT(sd_bus_attach_event(peer.bus, peer.event, 0) >= 0);
        FUZZ_ASSERT(sd_event_add_io(peer.event, NULL, peer.command_fd, EPOLLIN, on_command, NULL) >= 0);

        FUZZ_ASSERT(sd_event_loop(peer.event) >= 0);
        return NULL;
}

/* ------------------------------------------------------------------------------------------------------- */
/* The daemon's side */

static Manager *manager;
static sd_bus *daemon_end;
static bool job_done;

/* bus_posture_register() connects with these; both give our end of the socketpair. */
int __wrap_sd_bus_open_user(sd_bus **ret);
int __wrap_sd_bus_open_system(sd_bus **ret);

int __wrap_sd_bus_open_user(sd_bus **ret) {
        if (!daemon_end)
                return -ECONNREFUSED;
        *ret = TAKE_PTR(daemon_end);
        return 0;
}

int __wrap_sd_bus_open_system(sd_bus **ret) {
        return __wrap_sd_bus_open_user(ret);
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        eventfd_t value;

        (void)eventfd_read(fd, &value);
        job_done = true;
        return 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Runs the daemon's loop until the peer says every reply is in. */
static void wait_for_peer(void) {
        uint64_t deadline = now_usec() + JOB_DEADLINE_USEC;

        while (!job_done) {
                if (now_usec() >= deadline) {
                        fprintf(stderr,
                                "A call got no reply in %u s: the daemon dropped it (run the input with "
                                "PSOAS_FUZZ_BUS_VERBOSE=1 to see which).\n",
                                JOB_DEADLINE_USEC / 1000000u);
                        abort();
                }
                FUZZ_ASSERT(sd_event_run(manager->event, 100000) >= 0);
        }
        job_done = false;
}

static void setup(void) {
        ManagerOptions options = { .user_bus = true };
        struct psoas_config engine_config;
        pthread_t thread;
        int pair[2];

        verbose = getenv("PSOAS_FUZZ_BUS_VERBOSE");
        /* Every Inhibit() logs; the fuzzer's output is for what goes wrong. */
        log_set_max_level(verbose ? LOG_DEBUG : LOG_ERR);

        FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
        peer.fd = pair[1];
        peer.command_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        peer.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        FUZZ_ASSERT(peer.command_fd >= 0 && peer.done_fd >= 0);

        FUZZ_ASSERT(sd_bus_new(&daemon_end) >= 0);
        FUZZ_ASSERT(sd_bus_set_fd(daemon_end, pair[0], pair[0]) >= 0);
        FUZZ_ASSERT(sd_bus_set_bus_client(daemon_end, true) >= 0);
        FUZZ_ASSERT(sd_bus_start(daemon_end) >= 0);

        FUZZ_ASSERT(pthread_create(&thread, NULL, peer_main, NULL) == 0);
        FUZZ_ASSERT(pthread_detach(thread) == 0);

        FUZZ_ASSERT(manager_new(&options, &manager) >= 0);
        FUZZ_ASSERT(config_new(&manager->config) >= 0);
        psoas_config_init(PSOAS_SIZED(&engine_config));
        FUZZ_ASSERT(psoas_engine_new(&engine_config, &manager->engine) >= 0);
        manager->access_gid = ACCESS_GID;
        manager->access_gid_valid = true;
        FUZZ_ASSERT(bus_posture_register(manager) >= 0);
        FUZZ_ASSERT(sd_event_add_io(manager->event, NULL, peer.done_fd, EPOLLIN, on_done, NULL) >= 0);

        wait_for_peer(); /* the introspection */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t n_inhibitors = 0;

        if (!manager)
                setup();

        manager->options.user_bus = size == 0 || (data[0] & 1) == 0;
        peer.data = data;
        peer.size = size;
        signal_fd(peer.command_fd);
        wait_for_peer();

        /* Every client has left: nothing of theirs may remain. */
        for (Inhibitor *i = manager->inhibitors; i; i = i->next)
                n_inhibitors++;
        FUZZ_ASSERT(n_inhibitors == 0);
        FUZZ_ASSERT(!manager->live_track || sd_bus_track_count(manager->live_track) == 0);
        FUZZ_ASSERT(!PSOAS_ENGINE_STATE(manager->engine)->inhibited);
        return 0;
}
