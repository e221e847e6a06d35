// The runner of apps-test: caf/test's engine and its command line.
#include <caf/test/unit_test_impl.hpp>
