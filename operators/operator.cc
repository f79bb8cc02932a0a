#include "operators/operator.h"

#include "engine/state/state_db.h"

namespace eddy {

Result<KvStore*> OperatorContext::Store(const std::string& name) { return state->Store(query_id + "." + name); }

}  // namespace eddy
