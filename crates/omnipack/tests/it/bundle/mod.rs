//! `omnipack bundle`: packing checked with the real `tar`, `sha1sum -c` and
//! `sha256sum -c`; installing three bundles in order onto an admin root
//! whose served tree `apt-get` reads through `omnipack serve`; the pristine
//! check; an install killed after every single step; hostile tarballs.

mod crash;
mod crowbar;
mod fixture;
mod gems;
mod hostile;
mod install;
mod pack;
mod pristine;
mod served;
