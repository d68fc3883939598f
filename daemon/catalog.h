/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The stretch catalog as a data file (data/stretches.json, installed to PKGDATADIR and replaceable by the
 * admin), read with json-c into the engine's struct psoas_stretch array. Its format is psoasd.json(5)'s, STRETCH
 * CATALOG; this reader is the one place that checks it (over psoas_stretch_validate()): lib/gen-catalog reads the
 * file with it to compile the default catalog into libpsoas, and psoasd to use an installed one.
 */

#include <stddef.h>

#include <psoas/psoas.h>

typedef struct Catalog {
        struct psoas_stretch *stretches; /* strings owned by the catalog */
        size_t n;
} Catalog;

/* Errors as config_load(): -errno for the file, -EINVAL for its contents, with *ret_error a malloc'ed
 * "FILE: stretches[3].hold_seconds: …" sentence. */
int catalog_load(const char *path, Catalog **ret, char **ret_error);
int catalog_parse(const char *name, const char *json, size_t size, Catalog **ret, char **ret_error);
Catalog *catalog_free(Catalog *c);
