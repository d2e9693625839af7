// Every message struct the protocol layer knows, one header per API (see schema.h for how a
// struct describes its fields).
#pragma once

#include "protocol/msg_alter_configs.h"
#include "protocol/msg_api_versions.h"
#include "protocol/msg_delete_records.h"
#include "protocol/msg_describe_configs.h"
#include "protocol/msg_fetch.h"
#include "protocol/msg_groups.h"
#include "protocol/msg_list_offsets.h"
#include "protocol/msg_metadata.h"
#include "protocol/msg_offset_for_leader_epoch.h"
#include "protocol/msg_offsets.h"
#include "protocol/msg_produce.h"
#include "protocol/msg_topics_admin.h"
