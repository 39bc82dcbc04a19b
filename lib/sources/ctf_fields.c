/* ctf_fields.c: generic field access on babeltrace2 events, with a per-event-class cache. */
#include "sources/ctf_fields.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sources/lttng_decode.h"

enum bt_scope {
	BS_NONE = 0, /* absent from this class */
	BS_PAYLOAD,
	BS_SPECIFIC_CTX,
	BS_COMMON_CTX,
	BS_PACKET_CTX,
};

struct resolved {
	uint8_t scope;  /* enum bt_scope */
	uint32_t index; /* member index in the scope's structure */
};

struct class_entry {
	const bt_event_class *cls; /* NULL: empty slot */
	struct resolved *fields;   /* one per program field */
};

struct lat_ctf_fields {
	const struct lat_pfields *fields;
	struct class_entry *slots;
	uint32_t cap, count;
	const bt_event_class *last_cls; /* one-entry cache in front of the table */
	struct resolved *last;
};

int lat_ctf_fields_create(const struct lat_pfields *fields, struct lat_ctf_fields **out)
{
	struct lat_ctf_fields *cf = calloc(1, sizeof(*cf));

	*out = NULL;
	if (!cf) {
		return -ENOMEM;
	}
	cf->fields = fields;
	cf->cap = 64;
	cf->slots = calloc(cf->cap, sizeof(*cf->slots));
	if (!cf->slots) {
		free(cf);
		return -ENOMEM;
	}
	*out = cf;
	return 0;
}

void lat_ctf_fields_destroy(struct lat_ctf_fields *cf)
{
	if (!cf) {
		return;
	}
	for (uint32_t i = 0; i < cf->cap; i++) {
		free(cf->slots[i].fields);
	}
	free(cf->slots);
	free(cf);
}

static int member_index(const bt_field_class *structure, const char *name)
{
	uint64_t count;

	if (!structure || bt_field_class_get_type(structure) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
		return -1;
	}
	count = bt_field_class_structure_get_member_count(structure);
	for (uint64_t i = 0; i < count; i++) {
		const bt_field_class_structure_member *member =
		    bt_field_class_structure_borrow_member_by_index_const(structure, i);

		if (strcmp(bt_field_class_structure_member_get_name(member), name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

static const bt_field_class *scope_class(const bt_event_class *ec, enum bt_scope scope)
{
	const bt_stream_class *sc = bt_event_class_borrow_stream_class_const(ec);

	switch (scope) {
	case BS_PAYLOAD:
		return bt_event_class_borrow_payload_field_class_const(ec);
	case BS_SPECIFIC_CTX:
		return bt_event_class_borrow_specific_context_field_class_const(ec);
	case BS_COMMON_CTX:
		return sc ? bt_stream_class_borrow_event_common_context_field_class_const(sc)
			  : NULL;
	case BS_PACKET_CTX:
		return sc ? bt_stream_class_borrow_packet_context_field_class_const(sc) : NULL;
	default:
		return NULL;
	}
}

static void resolve(const bt_event_class *ec, const struct lat_pfield *f, struct resolved *r)
{
	static const uint8_t auto_order[] = {BS_PAYLOAD, BS_SPECIFIC_CTX, BS_COMMON_CTX,
					     BS_PACKET_CTX};
	uint8_t scope = BS_NONE;

	r->scope = BS_NONE;
	r->index = 0;
	if (f->is_name) {
		return;
	}
	switch (f->scope) {
	case LAT_PSCOPE_AUTO:
		for (size_t i = 0; i < sizeof(auto_order); i++) {
			int index = member_index(scope_class(ec, auto_order[i]), f->name);

			if (index >= 0) {
				r->scope = auto_order[i];
				r->index = (uint32_t)index;
				return;
			}
		}
		return;
	case LAT_PSCOPE_PAYLOAD:
		scope = BS_PAYLOAD;
		break;
	case LAT_PSCOPE_CTX:
		scope = BS_SPECIFIC_CTX;
		break;
	case LAT_PSCOPE_STREAM_CTX:
		scope = BS_COMMON_CTX;
		break;
	case LAT_PSCOPE_PKT_CTX:
		scope = BS_PACKET_CTX;
		break;
	default: /* $header, $pkt_header: babeltrace2 does not expose them */
		return;
	}
	int index = member_index(scope_class(ec, scope), f->name);

	if (index >= 0) {
		r->scope = scope;
		r->index = (uint32_t)index;
	}
}

static size_t slot_of(const struct lat_ctf_fields *cf, const bt_event_class *ec)
{
	uintptr_t h = (uintptr_t)ec;

	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) & (cf->cap - 1);
}

static int grow(struct lat_ctf_fields *cf)
{
	struct class_entry *old = cf->slots;
	uint32_t old_cap = cf->cap;

	cf->cap *= 2;
	cf->slots = calloc(cf->cap, sizeof(*cf->slots));
	if (!cf->slots) {
		cf->slots = old;
		cf->cap = old_cap;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < old_cap; i++) {
		if (old[i].cls) {
			size_t s = slot_of(cf, old[i].cls);

			while (cf->slots[s].cls) {
				s = (s + 1) & (cf->cap - 1);
			}
			cf->slots[s] = old[i];
		}
	}
	free(old);
	return 0;
}

static struct resolved *lookup(struct lat_ctf_fields *cf, const bt_event_class *ec)
{
	size_t s;

	if (ec == cf->last_cls) {
		return cf->last;
	}
	s = slot_of(cf, ec);
	while (cf->slots[s].cls && cf->slots[s].cls != ec) {
		s = (s + 1) & (cf->cap - 1);
	}
	if (!cf->slots[s].cls) {
		struct resolved *r;

		if ((cf->count + 1) * 2 > cf->cap) {
			if (grow(cf)) {
				return NULL;
			}
			return lookup(cf, ec);
		}
		r = calloc(cf->fields->count ? cf->fields->count : 1, sizeof(*r));
		if (!r) {
			return NULL;
		}
		for (uint32_t i = 0; i < cf->fields->count; i++) {
			resolve(ec, &cf->fields->v[i], &r[i]);
		}
		cf->slots[s].cls = ec;
		cf->slots[s].fields = r;
		cf->count++;
	}
	cf->last_cls = ec;
	cf->last = cf->slots[s].fields;
	return cf->last;
}

static void read_value(const bt_field *f, struct lat_pval *out)
{
	bt_field_class_type type = bt_field_get_class_type(f);
	bt_field_class_enumeration_mapping_label_array labels;
	uint64_t nlabels = 0;

	out->kind = LAT_PVAL_MISSING;
	if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_ENUMERATION)) {
		bt_field_enumeration_get_mapping_labels_status st =
		    bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_ENUMERATION)
			? bt_field_enumeration_signed_get_mapping_labels(f, &labels, &nlabels)
			: bt_field_enumeration_unsigned_get_mapping_labels(f, &labels, &nlabels);

		if (st == BT_FIELD_ENUMERATION_GET_MAPPING_LABELS_STATUS_OK && nlabels > 0) {
			out->kind = LAT_PVAL_STR;
			out->s = labels[0];
		}
		return;
	}
	if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		out->kind = LAT_PVAL_SINT;
		out->i = bt_field_integer_signed_get_value(f);
	} else if (bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER)) {
		out->kind = LAT_PVAL_UINT;
		out->u = bt_field_integer_unsigned_get_value(f);
	} else if (type == BT_FIELD_CLASS_TYPE_SINGLE_PRECISION_REAL) {
		out->kind = LAT_PVAL_FLOAT;
		out->d = bt_field_real_single_precision_get_value(f);
	} else if (type == BT_FIELD_CLASS_TYPE_DOUBLE_PRECISION_REAL) {
		out->kind = LAT_PVAL_FLOAT;
		out->d = bt_field_real_double_precision_get_value(f);
	} else if (type == BT_FIELD_CLASS_TYPE_STRING) {
		out->kind = LAT_PVAL_STR;
		out->s = bt_field_string_get_value(f);
	} else if (type == BT_FIELD_CLASS_TYPE_BOOL) {
		out->kind = LAT_PVAL_UINT;
		out->u = bt_field_bool_get_value(f) ? 1 : 0;
	}
}

int lat_ctf_fields_read(struct lat_ctf_fields *cf, const void *raw, uint32_t id,
			struct lat_pval *out)
{
	const bt_event *event = raw;
	const struct resolved *r;
	const bt_field *scope = NULL, *f;

	out->kind = LAT_PVAL_MISSING;
	if (!event || id >= cf->fields->count) {
		return 0;
	}
	if (lat_lttng_is_event(raw)) { /* read by lttng_decode.c, not babeltrace2 */
		if (!cf->fields->v[id].is_name) {
			lat_lttng_event_field(raw, cf->fields->v[id].scope, cf->fields->v[id].name,
					      out);
		}
		return 0;
	}
	r = lookup(cf, bt_event_borrow_class_const(event));
	if (!r) {
		return -ENOMEM;
	}
	r += id;
	switch (r->scope) {
	case BS_PAYLOAD:
		scope = bt_event_borrow_payload_field_const(event);
		break;
	case BS_SPECIFIC_CTX:
		scope = bt_event_borrow_specific_context_field_const(event);
		break;
	case BS_COMMON_CTX:
		scope = bt_event_borrow_common_context_field_const(event);
		break;
	case BS_PACKET_CTX: {
		const bt_packet *packet = bt_event_borrow_packet_const(event);

		scope = packet ? bt_packet_borrow_context_field_const(packet) : NULL;
		break;
	}
	default:
		return 0;
	}
	if (!scope) {
		return 0;
	}
	f = bt_field_structure_borrow_member_field_by_index_const(scope, r->index);
	if (f) {
		read_value(f, out);
	}
	return 0;
}
