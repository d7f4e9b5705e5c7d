"""Every write and every rule of 指挥调度 (access_* / check_* / do_*)."""
