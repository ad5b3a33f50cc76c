# Installs the built library into a scratch prefix, then configures, builds and runs the
# consumer project against it.
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
# The dependencies are found as the main build found them, and the installed package first
# (CACHE_FILE: an initial cache written by tests/CMakeLists.txt).
run(${CMAKE_COMMAND} -C ${CACHE_FILE} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
# The examples build against the installed package too, and find the installed data.
run(${CMAKE_COMMAND} -C ${CACHE_FILE} -S ${SOURCE_DIR}/examples -B ${WORK_DIR}/examples)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/examples -j2 --target gradient_check boston_housing)
run(${WORK_DIR}/examples/gradient_check --hidden 5)
run(${WORK_DIR}/examples/boston_housing --epochs 2)
