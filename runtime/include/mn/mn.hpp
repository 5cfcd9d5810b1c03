#pragma once
// multinode-cpp: one include for the blocking API. Actors also include
// <mn/async_dict.hpp>.
#include <mn/client.hpp>
#include <mn/dict.hpp>
#include <mn/errc.hpp>
#include <mn/error.hpp>
#include <mn/names.hpp>
#include <mn/node.hpp>
#include <mn/node_options.hpp>
#include <mn/value.hpp>
