//! .deb output checked by the real consumers: dpkg-deb, dpkg --root, lintian.

mod deb;
