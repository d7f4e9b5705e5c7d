"""Every write and every rule of 水上执法 (access_* / check_* / do_*)."""
