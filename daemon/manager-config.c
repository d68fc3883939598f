/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "log-journal.h"
#include "manager-config.h"
#include "manager.h"
#include "wearable.h"
#include "xdg.h"

static int default_config_path(Manager *m, char **ret) {
        if (m->options.user_bus)
                return xdg_user_path("XDG_CONFIG_HOME", ".config", "psoas/psoasd.json", ret);
        *ret = strdup(CONFIG_DEFAULT_PATH);
        return *ret ? 0 : -ENOMEM;
}

/* Loads everything the configuration names into new objects; nothing in m changes unless all of it is good. */
typedef struct LoadedConfig {
        Config *config;
        Catalog *catalog;
        gid_t gid;
        bool gid_valid;
} LoadedConfig;

static void loaded_config_done(LoadedConfig *l) {
        l->config = config_free(l->config);
        l->catalog = catalog_free(l->catalog);
}

static int load_config(Manager *m, LoadedConfig *ret) {
        _cleanup_free_ char *error = NULL;
        LoadedConfig l = {};
        struct group *g;
        int r;

        r = config_load(m->config_path, !m->config_path_explicit, &l.config, &error);
        if (r < 0) {
                log_id(LOG_ERR, MESSAGE_ID_CONFIG_REJECTED, r, "Configuration rejected: %s",
                        error ?: m->config_path);
                return -EINVAL;
        }

        if (l.config->stretch_catalog) {
                _cleanup_free_ char *cat_error = NULL;

                r = catalog_load(l.config->stretch_catalog, &l.catalog, &cat_error);
                if (r < 0) {
                        log_id(LOG_ERR, MESSAGE_ID_CONFIG_REJECTED, r, "Configuration rejected: %s: %s",
                                m->config_path, cat_error ?: l.config->stretch_catalog);
                        loaded_config_done(&l);
                        return -EINVAL;
                }
        } else if (access(PKGDATADIR "/stretches.json", F_OK) == 0) {
                _cleanup_free_ char *cat_error = NULL;

                /* The installed catalog may have been edited by the admin; a broken one is reported, and the
                 * built-in catalog keeps the daemon useful. */
                r = catalog_load(PKGDATADIR "/stretches.json", &l.catalog, &cat_error);
                if (r < 0)
                        log_warning_errno(r, "Ignoring the stretch catalog, using the built-in one: %s",
                                cat_error ?: PKGDATADIR "/stretches.json");
        }

        /* Who may change state on the system bus. A group that does not exist leaves only root. The user bus
         * has no access checks: no lookup then, which also spares the NSS modules getgrnam() would load
         * (0.3 MiB resident, BENCHMARKS.md). */
        g = l.config->access_group && !m->options.user_bus ? getgrnam(l.config->access_group) : NULL;
        if (g) {
                l.gid = g->gr_gid;
                l.gid_valid = true;
        } else if (l.config->access_group && !m->options.user_bus)
                log_notice("Group '%s' does not exist: only root may change psoasd's state.",
                        l.config->access_group);

        *ret = l;
        return 0;
}

static void apply_source_options(Manager *m) {
        const Config *c = m->config;

        m->sensor.options = (SourceOptions){
                .uri = m->options.sensor_uri ?: c->sensor_uri,
                .device = c->sensor_device,
                .gyro_device = c->sensor_gyro_device,
                .rate_hz = c->sensor_rate_hz,
                .has_mount_matrix = c->sensor_has_mount_matrix,
                .wakeups_per_s = c->sensor_wakeups_per_s,
                .replay_path = m->options.replay_path,
                .replay_speed = m->options.replay_speed,
                .replay_units = m->options.replay_units,
        };
        memcpy(m->sensor.options.mount_matrix, c->sensor_mount_matrix, sizeof(c->sensor_mount_matrix));
}

/* The catalog, and where the wearer may stretch: floor exercises only when the configuration allows them. */
int manager_config_apply_catalog(Manager *m, Catalog *catalog, const Config *c) {
        int r;

        r = psoas_engine_set_places(
                m->engine, PSOAS_PLACE_DESK | (c->stretch_floor ? (uint32_t)PSOAS_PLACE_FLOOR : 0u));
        if (r < 0)
                return r;
        if (catalog)
                return psoas_engine_set_catalog(m->engine, catalog->stretches, catalog->n);
        return psoas_engine_set_catalog(m->engine, NULL, 0);
}

int manager_reload(Manager *m) {
        LoadedConfig l = {};
        bool sensor_changed, gpio_changed;
        int r;

        log_info("Reloading the configuration from %s.", m->config_path);
        r = load_config(m, &l);
        if (r < 0) {
                log_warning("Keeping the previous configuration.");
                return r;
        }

        r = psoas_engine_set_config(m->engine, &l.config->engine);
        if (r >= 0)
                r = manager_config_apply_catalog(m, l.catalog, l.config);
        if (r < 0) {
                log_id(LOG_ERR, MESSAGE_ID_CONFIG_REJECTED, r,
                        "Configuration rejected: %s: the engine refused it.", m->config_path);
                (void)psoas_engine_set_config(m->engine, &m->config->engine);
                loaded_config_done(&l);
                return r;
        }

        sensor_changed = sensor_live(&m->sensor) &&
                (!streq_ptr(l.config->sensor_uri, m->config->sensor_uri) ||
                        !streq_ptr(l.config->sensor_device, m->config->sensor_device) ||
                        !streq_ptr(l.config->sensor_gyro_device, m->config->sensor_gyro_device) ||
                        l.config->sensor_rate_hz != m->config->sensor_rate_hz ||
                        l.config->sensor_wakeups_per_s != m->config->sensor_wakeups_per_s ||
                        l.config->sensor_has_mount_matrix != m->config->sensor_has_mount_matrix ||
                        memcmp(l.config->sensor_mount_matrix, m->config->sensor_mount_matrix,
                                sizeof(l.config->sensor_mount_matrix)) != 0);
        gpio_changed = !wearable_config_equal(l.config, m->config);

        config_free(m->config);
        catalog_free(m->catalog);
        m->config = l.config;
        m->catalog = l.catalog;
        m->access_gid = l.gid;
        m->access_gid_valid = l.gid_valid;
        apply_source_options(m);

        if (sensor_changed) {
                log_info("Sensor settings changed: restarting the sensor.");
                sensor_stop(m);
                if (sensor_start(m) < 0)
                        sensor_schedule_retry(m);
        }
        /* Lines that failed are tried again on every reload: the wiring or the permissions may be fixed. */
        if (gpio_changed || m->wearable.state == HAPTICS_ERROR) {
                if (gpio_changed)
                        log_info("GPIO settings changed: reopening the lines.");
                wearable_start(m);
        }
        (void)sd_notify(false, "RELOADING=0\nREADY=1");
        return 0;
}

int manager_config_load(Manager *m) {
        LoadedConfig l = {};
        int r;

        if (m->options.config_path) {
                m->config_path = strdup(m->options.config_path);
                if (!m->config_path)
                        return log_error_errno(ENOMEM, "Out of memory.");
                m->config_path_explicit = true;
        } else {
                r = default_config_path(m, &m->config_path);
                if (r < 0)
                        return log_error_errno(r, "Cannot find the configuration directory: %m");
        }

        r = load_config(m, &l);
        if (r < 0)
                return r;
        m->config = l.config;
        m->catalog = l.catalog;
        m->access_gid = l.gid;
        m->access_gid_valid = l.gid_valid;
        apply_source_options(m);
        return 0;
}
