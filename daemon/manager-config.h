/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * psoasd's configuration in the manager: where the file is, loading it with the stretch catalog and the access
 * group it names, and applying a new one on SIGHUP (the sensor and the GPIO lines reopened only when their
 * settings changed). daemon/config.c parses the file.
 */

typedef struct Catalog Catalog;
typedef struct Config Config;
typedef struct Manager Manager;

/* At the start: finds and loads the configuration into m. -EINVAL (logged) for a bad one. */
int manager_config_load(Manager *m);
/* The catalog (NULL: libpsoas's own), and where the wearer may stretch, into the engine. */
int manager_config_apply_catalog(Manager *m, Catalog *catalog, const Config *c);
/* SIGHUP: loads the configuration again; the previous one stays when the new one is bad. */
int manager_reload(Manager *m);
