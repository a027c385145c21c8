"""The offline portal: a replica of the Chongqing government portals, served on 127.0.0.1."""
