# qrtool: renders QR frames with qr.c for test_qr_scan.py. Built from qr.c
# directly so it does not depend on the rest of midcore being complete.
add_executable(qrtool ${CMAKE_CURRENT_LIST_DIR}/qrtool.c
               ${PROJECT_SOURCE_DIR}/pam_mobileid/qr.c)
target_include_directories(qrtool PRIVATE ${PROJECT_SOURCE_DIR}/pam_mobileid)
target_link_libraries(qrtool PRIVATE PkgConfig::QRENCODE PkgConfig::OPENSSL)
