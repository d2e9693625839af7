// Every message struct the protocol layer knows, one header per API (see schema.h for how a
// struct describes its fields).
#pragma once

#include "proto/msg_alter_configs.h"
#include "proto/msg_api_versions.h"
#include "proto/msg_delete_records.h"
#include "proto/msg_describe_configs.h"
#include "proto/msg_fetch.h"
#include "proto/msg_groups.h"
#include "proto/msg_list_offsets.h"
#include "proto/msg_metadata.h"
#include "proto/msg_offset_for_leader_epoch.h"
#include "proto/msg_offsets.h"
#include "proto/msg_produce.h"
#include "proto/msg_topics_admin.h"
