// Compiled Asio, Asio.SSL and Beast (HANABI_COMPILE_ASIO=ON): built once here
// instead of in every translation unit that includes them.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
