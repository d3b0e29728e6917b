/*
 * export.c - a walk result (graph/walk.h) as DOT, SVG, PNG, PDF, JSON,
 * text, an HTML report or PROV-JSON; the contract is graph/export.h, the
 * user-facing description man/btrack-backtrack.1 (OUTPUT).  One file per
 * format: text.c, dot.c (DOT and its renderings), json.c, html.c, prov.c;
 * what they share is in labels.c
 * (graph/render.h).  Every string from the log is shown through one rule
 * (core/display.h).
 *
 * This module does not walk (graph/walk.c) and does not print to the
 * terminal: it writes to the FILE * it is given and returns errors.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/error.h"
#include "../core/util.h"
#include "export.h"
#include "render.h"

/* ---- format names ----------------------------------------------------- */

static const char *const fmt_names[] = {
	[BT_FMT_TEXT] = "text", [BT_FMT_DOT] = "dot", [BT_FMT_JSON] = "json",
	[BT_FMT_SVG] = "svg", [BT_FMT_PNG] = "png", [BT_FMT_PDF] = "pdf",
	[BT_FMT_HTML] = "html", [BT_FMT_PROV] = "prov-json",
};

int bt_format_parse(enum bt_format *out, const char *name)
{
	size_t i;

	for (i = 0; name && i < BT_ARRAY_SIZE(fmt_names); i++) {
		if (fmt_names[i] && !strcmp(name, fmt_names[i])) {
			*out = (enum bt_format)i;
			return 0;
		}
	}
	/* PROV-JSON's short name, as CamFlow and SPADE call their output. */
	if (name && !strcmp(name, "prov")) {
		*out = BT_FMT_PROV;
		return 0;
	}
	return bt_error_set(BT_EINVAL,
			    "unknown format '%s' (text, dot, json, svg, png, "
			    "pdf, html, prov-json)", name ? name : "");
}

int bt_format_from_path(enum bt_format *out, const char *path)
{
	static const struct { const char *ext; enum bt_format f; } ext[] = {
		{ "txt", BT_FMT_TEXT }, { "text", BT_FMT_TEXT },
		{ "dot", BT_FMT_DOT }, { "gv", BT_FMT_DOT },
		{ "json", BT_FMT_JSON }, { "svg", BT_FMT_SVG },
		{ "png", BT_FMT_PNG }, { "pdf", BT_FMT_PDF },
		{ "html", BT_FMT_HTML }, { "htm", BT_FMT_HTML },
	};
	const char *dot = path ? strrchr(path, '.') : NULL;
	size_t i, n = path ? strlen(path) : 0;

	/* "x.prov.json" is PROV-JSON, any other ".json" btrack's JSON. */
	if (n > 10 && !strcasecmp(path + n - 10, ".prov.json") &&
	    path[n - 11] != '/') {
		*out = BT_FMT_PROV;
		return 0;
	}
	if (dot && !strchr(dot, '/')) {
		for (i = 0; i < BT_ARRAY_SIZE(ext); i++) {
			if (!strcasecmp(dot + 1, ext[i].ext)) {
				*out = ext[i].f;
				return 0;
			}
		}
	}
	return bt_error_set(BT_EINVAL, "cannot tell the format of '%s' from "
			    "its name", path ? path : "");
}

/* ---- entry ------------------------------------------------------------ */

int bt_export(const struct bt_result *r, enum bt_format fmt, FILE *out)
{
	static const struct bt_export_opts defaults = { 0 };

	return bt_export_with(r, fmt, &defaults, out);
}

int bt_export_with(const struct bt_result *r, enum bt_format fmt,
		   const struct bt_export_opts *o, FILE *out)
{
	if (!o || !r || !out || (r->nnodes && r->detection >= r->nnodes))
		return bt_error_set(BT_EINVAL, "bt_export: bad result");
	errno = 0;
	switch (fmt) {
	case BT_FMT_TEXT:
		return export_text(r, o, out);
	case BT_FMT_DOT:
		return export_dot(r, o, out);
	case BT_FMT_JSON:
		return export_json(r, o, out);
	case BT_FMT_SVG:
		return export_render(r, o, "svg", out);
	case BT_FMT_PNG:
		return export_render(r, o, "png", out);
	case BT_FMT_PDF:
		return export_render(r, o, "pdf", out);
	case BT_FMT_HTML:
		return export_html(r, o, out);
	case BT_FMT_PROV:
		return export_prov(r, o, out);
	}
	return bt_error_set(BT_EINVAL, "bt_export: unknown format %d",
			    (int)fmt);
}
