"""Every write and every rule of 双随机一公开 (access_* / check_* / do_*)."""
